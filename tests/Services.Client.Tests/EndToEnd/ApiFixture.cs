using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Services.Api.Infrastructure;
using Siret = Services.Api.Organizations.Siret;
using Services.Client.Models;
using Services.EventStore;
using Services.Testing;

namespace Services.Client.Tests.EndToEnd;

/// <summary>The API in-process on a fresh database per test class, called through <see cref="ServicesClient"/>.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string OperatorKey = "test-operator-key-0123456789abcdef";

    /// <summary>32 bytes in base64, as Secrets:MasterKey must be.</summary>
    public const string MasterKey = "Ahoq5fvXx/GUq0sfxvADimMpMBytWBVPCaKYIvWhqBA=";
    private static int _sirets;

    private WebApplicationFactory<Program> _factory = null!;
    private string _connectionString = "";

    public ServicesClient Operator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await PostgresDatabases.CreateAsync("client", async cs =>
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
        });
        Operator = Client(OperatorKey);
    }

    /// <summary>A client acting with <paramref name="apiKey"/>, its requests going through <paramref name="handlers"/> first.</summary>
    public ServicesClient Client(string apiKey, ServicesClientOptions? options = null, params DelegatingHandler[] handlers)
    {
        options ??= new ServicesClientOptions();
        options.ApiKey = apiKey;
        options.Retry.BaseDelay = TimeSpan.FromMilliseconds(20);
        return new ServicesClient(_factory.CreateDefaultClient(handlers), options);
    }

    /// <summary>An organization registered and keyed through the client.</summary>
    public async Task<(string Id, string Key)> RegisterAsync(OrganizationKind kind, string territory = "grand-figeac")
    {
        var organization = (await Operator.RegisterOrganizationAsync(new RegisterOrganizationRequest
        {
            Kind = kind,
            Name = $"{kind} {Guid.NewGuid():N}"[..20],
            Territories = [territory],
            Siret = kind == OrganizationKind.Company ? NextSiret() : null,
        })).Value;
        var key = (await Operator.IssueApiKeyAsync(organization.Id, new IssueApiKeyRequest { Label = "client tests" })).Value;
        key.Key.ShouldNotBeNullOrEmpty();
        return (organization.Id, key.Key);
    }

    public static string UniqueTerritory() => "t-" + Guid.NewGuid().ToString("N")[..12];

    public static PublishOfferRequest Offer(string territory, string title = "Covoiturage") => new()
    {
        Category = Category.Mobility,
        Title = title,
        Description = "Une place dans une voiture partagée.",
        Territories = [territory],
        TimeZone = "Europe/Paris",
        MonthlyFee = new Money { Amount = 1500, Currency = "EUR" },
        UnitPrice = new Money { Amount = 200, Currency = "EUR" },
    };

    private static string NextSiret()
    {
        var body = (100_000_000_000L + Interlocked.Increment(ref _sirets) * 7919L + Environment.ProcessId + 31).ToString("D13", System.Globalization.CultureInfo.InvariantCulture);
        for (var check = 0; check < 10; check++)
        {
            if (Siret.IsValid(body + check)) return body + check;
        }
        throw new InvalidOperationException("unreachable: one check digit always satisfies Luhn");
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await PostgresDatabases.DropAsync(_connectionString);
    }
}
