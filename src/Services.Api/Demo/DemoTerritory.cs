using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Services.Api.Infrastructure;
using Services.EventStore;

namespace Services.Api.Demo;

/// <summary>
/// Loads a demo territory (the Figeac area) once, through the API itself with the operator key,
/// so the demo is built by the same rules as real data. Prints where to start and the demo keys.
/// </summary>
public sealed class DemoTerritory(
    IHostApplicationLifetime lifetime,
    IServer server,
    IConfiguration configuration,
    IOptions<DemoOptions> options,
    EventStore.EventStore store,
    SchemaReadiness readiness,
    TimeProvider time,
    ILogger<DemoTerritory> logger) : BackgroundService
{
    internal static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using var registration = lifetime.ApplicationStarted.Register(started.SetResult);
        await started.Task.WaitAsync(stoppingToken);
        await readiness.Migrated.WaitAsync(stoppingToken);

        var address = new Uri(server.Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        var operatorKey = configuration["Auth:OperatorKey"] ?? throw new InvalidOperationException("Auth:OperatorKey is required to load the demo.");
        var keysFile = options.Value.KeysFile ?? Path.Combine(AppContext.BaseDirectory, "demo-keys.json");
        try
        {
            using var http = new HttpClient { BaseAddress = address };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorKey);
            var keys = await new DemoLoader(store, time, logger).LoadOnceAsync(http, keysFile, stoppingToken);
            Print(address, operatorKey, keys, keysFile);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Loading the demo territory failed");
        }
    }

    private static void Print(Uri address, string operatorKey, DemoKeys? keys, string keysFile)
    {
        var lines = new List<string>
        {
            "",
            $"  Services API   {address}",
            $"  Docs           {new Uri(address, "/docs")}   (OpenAPI: {new Uri(address, "/openapi/v1.json")}; a whole day, request by request: api-spec/walkthrough.http)",
            $"  Operator key   {operatorKey}",
        };
        if (keys is null)
        {
            lines.Add($"  The demo was loaded earlier but its keys file ({keysFile}) is gone: issue new keys with the operator key.");
        }
        else
        {
            lines.Add($"  Club key       {keys.ClubKey}   ({keys.ClubName}, {keys.ClubId})");
            lines.Add($"  Company key    {keys.CompanyKey}   ({keys.CompanyName}, {keys.CompanyId})");
            lines.Add($"  Provider key   {keys.ProviderKey}   ({keys.ProviderName}, {keys.ProviderId})");
            lines.Add($"  Partner key    {keys.PartnerKey}   ({keys.PartnerName}, {keys.PartnerId})");
            lines.Add($"  These keys are kept in {keysFile}.");
        }
        lines.Add("");
        Console.WriteLine(string.Join(Environment.NewLine, lines));
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var jsonOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Json.Configure(jsonOptions);
        return jsonOptions;
    }
}

public sealed record DemoKeys(
    string ClubId, string ClubName, string ClubKey,
    string CompanyId, string CompanyName, string CompanyKey,
    string ProviderId, string ProviderName, string ProviderKey,
    string PartnerId, string PartnerName, string PartnerKey);
