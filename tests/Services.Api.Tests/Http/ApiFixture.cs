using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Services.Api.Infrastructure;
using Services.EventStore;
using Services.Testing;

namespace Services.Api.Tests.Http;

/// <summary>The API in-process on a fresh database (copied from a migrated template) per test class.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string OperatorKey = "test-operator-key-0123456789abcdef";

    /// <summary>32 bytes in base64, as Secrets:MasterKey must be.</summary>
    public const string MasterKey = "Ahoq5fvXx/GUq0sfxvADimMpMBytWBVPCaKYIvWhqBA=";

    private WebApplicationFactory<Program> _factory = null!;
    private string _connectionString = "";

    public static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();

    public HttpClient Operator { get; private set; } = null!;

    public IServiceProvider Services => _factory.Services;

    public string ConnectionString => _connectionString;

    /// <summary>The factory, for tests that run a variant of the API on the same database (e.g. with another TimeProvider).</summary>
    public WebApplicationFactory<Program> Factory => _factory;

    public async Task InitializeAsync()
    {
        _connectionString = await PostgresDatabases.CreateAsync("api", async cs =>
        {
            await using var source = EventStoreDataSource.Create(cs);
            await using var store = new EventStore.EventStore(source, new EventTypeRegistry(Json.ForEvents()));
            await SchemaMigration.ApplyAsync(store, CancellationToken.None);
        });
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:Postgres", _connectionString);
            web.UseSetting("Auth:OperatorKey", OperatorKey);
            web.UseSetting("Secrets:MasterKey", MasterKey);
            web.UseSetting("Demo:Enabled", "false");
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            // Tests run the periodic reactions themselves (RunOnceAsync), so that a run comes when they
            // expect it and not 15 s into whatever they check (StoppedSubscriptionsTests lets one run on its timer).
            foreach (var interval in new[] { "StoppedSubscriptionsIntervalSeconds", "ExpiryIntervalSeconds", "PromotionIntervalSeconds" })
                web.UseSetting($"Reactions:{interval}", "86400");
            web.ConfigureTestServices(Contract.CheckAnswers);
        });
        Operator = ClientWithKey(OperatorKey);
    }

    public HttpClient Anonymous() => _factory.CreateClient();

    public HttpClient ClientWithKey(string key)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public T Service<T>() where T : notnull => _factory.Services.GetRequiredService<T>();

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await PostgresDatabases.DropAsync(_connectionString);
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Json.Configure(options);
        options.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip;
        return options;
    }
}
