namespace Services.Client.Tests;

internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string OpenApiDocument => Path.Combine(Root, "api-spec", "openapi.json");

    public static string ClientProject => Path.Combine(Root, "src", "Services.Client");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Services.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Services.sln not found above " + AppContext.BaseDirectory);
    }
}
