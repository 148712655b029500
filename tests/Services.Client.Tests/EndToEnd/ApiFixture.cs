using Services.Client.Models;
using Services.Testing;

namespace Services.Client.Tests.EndToEnd;

/// <summary>The API in-process on a fresh database per test class, called through <see cref="ServicesClient"/>.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private ApiHost _host = null!;

    public ServicesClient Operator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _host = await ApiHost.StartAsync("client", _ => { });
        Operator = Client(ApiHost.OperatorKey);
    }

    /// <summary>A client acting with <paramref name="apiKey"/>, its requests going through <paramref name="handlers"/> first.</summary>
    public ServicesClient Client(string apiKey, ServicesClientOptions? options = null, params DelegatingHandler[] handlers)
    {
        options ??= new ServicesClientOptions();
        options.ApiKey = apiKey;
        options.Retry.BaseDelay = TimeSpan.FromMilliseconds(20);
        return new ServicesClient(_host.Factory.CreateDefaultClient(handlers), options);
    }

    /// <summary>An organization registered and keyed through the client.</summary>
    public async Task<(string Id, string Key)> RegisterAsync(OrganizationKind kind, string territory = "grand-figeac")
    {
        var registered = await Operator.RegisterWithKeyAsync(kind, territory, keyLabel: "client tests");
        registered.Key.ShouldNotBeNullOrEmpty();
        return registered;
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

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();
}
