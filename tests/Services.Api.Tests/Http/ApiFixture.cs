using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Services.Api.Infrastructure;
using Services.Testing;

namespace Services.Api.Tests.Http;

/// <summary>The API in-process on a fresh database (copied from a migrated template) per test class.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string OperatorKey = ApiHost.OperatorKey;

    /// <summary>32 bytes in base64, as Secrets:MasterKey must be.</summary>
    public const string MasterKey = ApiHost.MasterKey;

    private ApiHost _host = null!;

    public static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();

    /// <summary>For a partial change (PATCH) as clients send one: the fields it does not change left out, not sent as null (which is refused).</summary>
    public static readonly JsonSerializerOptions PartialChangeOptions = new(JsonOptions) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public HttpClient Operator { get; private set; } = null!;

    public IServiceProvider Services => _host.Factory.Services;

    public string ConnectionString => _host.ConnectionString;

    /// <summary>The factory, for tests that run a variant of the API on the same database (e.g. with another TimeProvider).</summary>
    public WebApplicationFactory<Program> Factory => _host.Factory;

    public async Task InitializeAsync()
    {
        _host = await ApiHost.StartAsync("api", web =>
        {
            // Tests run the periodic reactions themselves (RunOnceAsync), so that a run comes when they
            // expect it and not 15 s into whatever they check (StoppedSubscriptionsTests lets one run on its timer).
            foreach (var interval in new[] { "StoppedSubscriptionsIntervalSeconds", "ExpiryIntervalSeconds", "PromotionIntervalSeconds" })
                web.UseSetting($"Reactions:{interval}", "86400");
            web.ConfigureTestServices(Contract.CheckAnswers);
        });
        Operator = ClientWithKey(OperatorKey);
    }

    public HttpClient Anonymous() => Factory.CreateClient();

    public HttpClient ClientWithKey(string key)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public T Service<T>() where T : notnull => Factory.Services.GetRequiredService<T>();

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Json.Configure(options);
        options.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip;
        return options;
    }
}
