using Services.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddServicesApi();

var app = builder.Build();
app.UseServicesApi();
app.Run();

public partial class Program;
