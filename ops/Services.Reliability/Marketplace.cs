using System.Globalization;
using Siret = Services.Api.Organizations.Siret;
using Services.Client;
using Services.Client.Models;

namespace Services.Reliability;

/// <summary>A company of the load: its key and its subscription to the suite's offer.</summary>
internal sealed record Company(string Id, string Key, string SubscriptionId);

/// <summary>
/// What the load books: one club's offer with slots over the next weeks (most roomy, some small so
/// that waitlists form) and one subscribed company per client, all registered through the API.
/// </summary>
internal sealed class Marketplace
{
    private const string Territory = "vallee-du-lot";

    /// <summary>The offer's calendar: the month a booking's units count in is its slot's date there.</summary>
    public const string TimeZone = "Europe/Paris";

    private Marketplace(string operatorKey, IReadOnlyList<string> slotIds, IReadOnlyList<Company> companies) =>
        (OperatorKey, SlotIds, Companies) = (operatorKey, slotIds, companies);

    public string OperatorKey { get; }

    public IReadOnlyList<string> SlotIds { get; }

    public IReadOnlyList<Company> Companies { get; }

    public static async Task<Marketplace> CreateAsync(Uri api, string operatorKey, int companies)
    {
        using var http = new HttpClient { BaseAddress = api };
        var client = new ServicesClient(http, new ServicesClientOptions { ApiKey = operatorKey });
        var club = (await client.RegisterOrganizationAsync(new RegisterOrganizationRequest
        {
            Kind = OrganizationKind.Club, Name = "Club de la vallée (reliability)", Territories = [Territory],
        })).Value;
        var offer = (await client.PublishOfferAsync(new PublishOfferRequest
        {
            ClubId = club.Id, Category = Category.Mobility, Title = "Navette de la zone d'activité", Description = "Shuttle seats booked under faults.",
            Territories = [Territory], TimeZone = TimeZone,
            MonthlyFee = new Money { Amount = 5000, Currency = "EUR" }, UnitPrice = new Money { Amount = 250, Currency = "EUR" },
        })).Value;
        var tomorrow = DateTimeOffset.UtcNow.Date.AddDays(1);
        var slots = (await client.ScheduleSlotsAsync(offer.Id, new ScheduleSlotsRequest
        {
            Slots = [.. Enumerable.Range(0, 40).Select(i => new ScheduleSlotItem
            {
                Start = new DateTimeOffset(tomorrow.AddDays(i).AddHours(7), TimeSpan.Zero),
                End = new DateTimeOffset(tomorrow.AddDays(i).AddHours(8), TimeSpan.Zero),
                Capacity = i % 5 == 0 ? 20 : 10_000,
            })],
        })).Value.Slots.Select(s => s.Id).ToList();

        var members = new List<Company>();
        for (var i = 0; i < companies; i++)
        {
            var company = (await client.RegisterOrganizationAsync(new RegisterOrganizationRequest
            {
                Kind = OrganizationKind.Company, Name = $"Entreprise {i + 1} (reliability)", Territories = [Territory], Siret = SiretFor(i),
            })).Value;
            await client.AdmitMemberAsync(club.Id, new AdmitMemberRequest { CompanyId = company.Id });
            var key = (await client.IssueApiKeyAsync(company.Id, new IssueApiKeyRequest { Label = "reliability load" })).Value.Key;
            var subscription = (await client.SubscribeAsync(new SubscribeRequest { OfferId = offer.Id, CompanyId = company.Id, MonthlyQuota = 10_000 })).Value;
            members.Add(new Company(company.Id, key, subscription.Id));
        }
        return new Marketplace(operatorKey, slots, members);
    }

    /// <summary>A valid SIRET per company (the suite runs on a fresh database).</summary>
    private static string SiretFor(int index)
    {
        var body = (4_200_000_000_000L + index).ToString("D13", CultureInfo.InvariantCulture);
        return Enumerable.Range(0, 10).Select(check => body + check).First(Siret.IsValid);
    }
}
