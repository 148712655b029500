using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Services.Api.Infrastructure;
using Services.EventStore;

namespace Services.Testing;

/// <summary>
/// The API in-process on a fresh database copied from a migrated template, with the operator's and the
/// master key the tests use. The API tests' and the client tests' fixtures each add their own
/// settings and clients on top.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    public const string OperatorKey = "test-operator-key-0123456789abcdef";

    /// <summary>32 bytes in base64, as Secrets:MasterKey must be.</summary>
    public const string MasterKey = "Ahoq5fvXx/GUq0sfxvADimMpMBytWBVPCaKYIvWhqBA=";

    private ApiHost(string connectionString, WebApplicationFactory<Program> factory) =>
        (ConnectionString, Factory) = (connectionString, factory);

    public string ConnectionString { get; }

    public WebApplicationFactory<Program> Factory { get; }

    /// <param name="templateKey">The test project's template database, migrated once per run.</param>
    /// <param name="web">The project's own settings and services, applied after the common ones.</param>
    public static async Task<ApiHost> StartAsync(string templateKey, Action<IWebHostBuilder> web)
    {
        var connectionString = await PostgresDatabases.CreateAsync(templateKey, MigrateAsync);
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Postgres", connectionString);
            builder.UseSetting("Auth:OperatorKey", OperatorKey);
            builder.UseSetting("Secrets:MasterKey", MasterKey);
            builder.UseSetting("Demo:Enabled", "false");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            web(builder);
        });
        return new ApiHost(connectionString, factory);
    }

    private static async Task MigrateAsync(string connectionString)
    {
        await using var source = EventStoreDataSource.Create(connectionString);
        await using var store = new EventStore.EventStore(source, new EventTypeRegistry(Json.ForEvents()));
        await SchemaMigration.ApplyAsync(store, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await PostgresDatabases.DropAsync(ConnectionString);
    }
}
