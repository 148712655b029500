namespace Services.Api.Demo;

public sealed class DemoOptions
{
    public bool Enabled { get; set; }

    /// <summary>Where the demo's API keys are kept between runs (they are shown once by the API).</summary>
    public string? KeysFile { get; set; }
}

public static class DemoExtensions
{
    public static IServiceCollection AddDemoTerritory(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DemoOptions>(configuration.GetSection("Demo"));
        if (configuration.GetValue<bool>("Demo:Enabled")) services.AddHostedService<DemoTerritory>();
        return services;
    }
}
