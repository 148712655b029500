using System.Globalization;
using System.Net.Http.Json;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Slots;
using Services.Api.Subscriptions;

namespace Services.Api.Demo;

/// <summary>
/// The demo territory: the Figeac company club (after the RESSAC seeds), the intercommunality as
/// public partner, a provider, four member companies, one offer per category with slots over the
/// next four weeks, subscriptions, bookings (one slot full with a waiting list) and two needs.
/// </summary>
internal sealed class DemoScript(HttpClient http, DateTimeOffset now)
{
    private const string Territory = "grand-figeac";
    private const string TimeZone = "Europe/Paris";
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    private int _step;

    public async Task<DemoKeys> RunAsync(CancellationToken cancellationToken)
    {
        var club = await RegisterAsync(OrganizationKind.Club, "Figeacteurs, club d'entreprises du Grand-Figeac", cancellationToken);
        var partner = await RegisterAsync(OrganizationKind.Partner, "Grand-Figeac, communauté de communes", cancellationToken);
        var provider = await RegisterAsync(OrganizationKind.Provider, "Conciergerie solidaire du Lot", cancellationToken);
        string[] companyNames = ["Ateliers mécaniques de la Vallée du Lot", "Causses Aéro Composites", "Fromagerie du Ségala", "Imprimerie Champollion"];
        var companies = new List<(string Id, string Name)>();
        foreach (var name in companyNames)
        {
            var company = await RegisterAsync(OrganizationKind.Company, name, cancellationToken);
            await PostAsync<OrganizationResponse>($"/v1/clubs/{club.Id}/members", new AdmitMemberRequest(company.Id), cancellationToken);
            companies.Add((company.Id, name));
        }

        var concierge = await PublishAsync(club.Id, Category.Concierge, "Conciergerie inter-entreprises",
            "Dépôt et retrait au point relais de la ZA de l'Aiguille : pressing, colis, petites réparations, courses.", 2500, 300, null, [provider.Id], cancellationToken);
        var mobility = await PublishAsync(club.Id, Category.Mobility, "Navette gare de Figeac - ZA de l'Aiguille",
            "Une place dans la navette du matin, du lundi au vendredi, correspondance avec les TER.", 4000, 150, new CoFunding(partner.Id, 5000), [], cancellationToken);
        var childcare = await PublishAsync(club.Id, Category.Childcare, "MAM Les Petits Causses : places réservées",
            "Une place d'enfant pour la journée à la maison d'assistantes maternelles partenaire.", 6000, 3500, new CoFunding(partner.Id, 3000), [], cancellationToken);
        var spouse = await PublishAsync(club.Id, Category.SpouseWelcome, "Accueil des conjoints : atelier emploi",
            "Atelier découverte du bassin d'emploi pour les conjoints des nouvelles recrues, avec la Maison de l'Emploi.", 0, 0, new CoFunding(partner.Id, 10000), [], cancellationToken);

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Paris).DateTime).AddDays(1);
        var days = Enumerable.Range(0, 28).Select(today.AddDays).ToList();
        var weekdays = days.Where(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)).ToList();
        var conciergeSlots = await ScheduleAsync(concierge, days.Where(d => d.DayOfWeek is DayOfWeek.Tuesday or DayOfWeek.Thursday).Select(d => (d, 12, 0, 90, 15)), cancellationToken);
        var shuttleSlots = await ScheduleAsync(mobility, weekdays.Select(d => (d, 7, 30, 45, 8)), cancellationToken);
        var childcareSlots = await ScheduleAsync(childcare, weekdays.Select(d => (d, 8, 0, 600, 4)), cancellationToken);
        var workshopSlots = await ScheduleAsync(spouse, days.Where(d => d.DayOfWeek == DayOfWeek.Wednesday).Select(d => (d, 14, 0, 120, 2)), cancellationToken);

        var subscriptions = new Dictionary<(string Company, string Offer), string>();
        foreach (var (company, index) in companies.Select((c, i) => (c.Id, i)))
        {
            foreach (var offer in index % 2 == 0 ? new[] { concierge, mobility, childcare, spouse } : [concierge, mobility, spouse])
            {
                var subscription = await PostAsync<SubscriptionResponse>("/v1/subscriptions",
                    new SubscribeRequest(offer, MonthlyQuota: 40, StartsOn: null, CompanyId: company), cancellationToken);
                subscriptions[(company, offer)] = subscription.Id;
            }
        }

        // Some life in the first weeks: shuttle seats, child places, and a full workshop with a waiting list.
        var beneficiary = 0;
        foreach (var (slot, offer, company) in new[]
                 {
                     (shuttleSlots[0], mobility, 0), (shuttleSlots[0], mobility, 1), (shuttleSlots[1], mobility, 2), (shuttleSlots[2], mobility, 3),
                     (childcareSlots[0], childcare, 0), (childcareSlots[1], childcare, 2), (conciergeSlots[0], concierge, 1),
                     (workshopSlots[0], spouse, 0), (workshopSlots[0], spouse, 1), (workshopSlots[0], spouse, 3),
                 })
        {
            var companyId = companies[company].Id;
            await BookAsync(subscriptions[(companyId, offer)], slot, $"EMP-{++beneficiary:D4}", cancellationToken);
        }

        await PostAsync<NeedResponse>("/v1/needs", new RecordNeedRequest(Category.Childcare, Territory, 6,
            "Garde d'enfants en horaires décalés (5h-8h) pour les équipes postées.", "Du lundi au vendredi, dès 5h", companies[0].Id), cancellationToken);
        await PostAsync<NeedResponse>("/v1/needs", new RecordNeedRequest(Category.Mobility, Territory, 12,
            "Covoiturage entre Capdenac et la ZA de l'Aiguille pour l'équipe du soir.", "Départ 21h30", companies[1].Id), cancellationToken);

        var clubKey = await IssueKeyAsync(club.Id, cancellationToken);
        var companyKey = await IssueKeyAsync(companies[0].Id, cancellationToken);
        var providerKey = await IssueKeyAsync(provider.Id, cancellationToken);
        var partnerKey = await IssueKeyAsync(partner.Id, cancellationToken);
        return new DemoKeys(club.Id, club.Name, clubKey, companies[0].Id, companies[0].Name, companyKey,
            provider.Id, provider.Name, providerKey, partner.Id, partner.Name, partnerKey);
    }

    private Task<OrganizationResponse> RegisterAsync(OrganizationKind kind, string name, CancellationToken cancellationToken) =>
        PostAsync<OrganizationResponse>("/v1/organizations",
            new RegisterOrganizationRequest(kind, name, [Territory], kind == OrganizationKind.Company ? SiretFor(name) : null), cancellationToken);

    private async Task<string> PublishAsync(string clubId, Category category, string title, string description, long monthlyFee, long unitPrice, CoFunding? coFunding, IReadOnlyList<string> providers, CancellationToken cancellationToken) =>
        (await PostAsync<OfferResponse>("/v1/offers", new PublishOfferRequest(category, title, description, [Territory], TimeZone,
            Money.Euros(monthlyFee), Money.Euros(unitPrice), coFunding, providers, clubId), cancellationToken)).Id;

    private async Task<IReadOnlyList<string>> ScheduleAsync(string offerId, IEnumerable<(DateOnly Day, int Hour, int Minute, int Minutes, int Capacity)> slots, CancellationToken cancellationToken)
    {
        var items = slots.Select(s =>
        {
            var local = s.Day.ToDateTime(new TimeOnly(s.Hour, s.Minute));
            var start = new DateTimeOffset(local, Paris.GetUtcOffset(local)).ToUniversalTime();
            return new ScheduleSlotItem(start, start.AddMinutes(s.Minutes), s.Capacity);
        }).ToList();
        var scheduled = await PostAsync<ScheduledSlotsResponse>($"/v1/offers/{offerId}/slots", new ScheduleSlotsRequest(items), cancellationToken);
        return scheduled.Slots.Select(s => s.Id).ToList();
    }

    private Task BookAsync(string subscriptionId, string slotId, string beneficiaryRef, CancellationToken cancellationToken) =>
        PostAsync<BookingResponse>("/v1/bookings", new BookSeatRequest(subscriptionId, slotId, 1, beneficiaryRef), cancellationToken);

    private async Task<string> IssueKeyAsync(string organizationId, CancellationToken cancellationToken) =>
        (await PostAsync<IssuedApiKeyResponse>($"/v1/organizations/{organizationId}/api-keys", new IssueApiKeyRequest("demo"), cancellationToken)).Key;

    private async Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType(), options: DemoTerritory.JsonOptions) };
        // The same key for the same step of every attempt at this load: a resumed load gets the answers of the steps already done.
        request.Headers.Add(Idempotency.Header, $"demo-{now.UtcTicks}-{++_step}");
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Demo: POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        return (await response.Content.ReadFromJsonAsync<T>(DemoTerritory.JsonOptions, cancellationToken))!;
    }

    /// <summary>A stable, valid (Luhn) but fictitious SIRET per demo company.</summary>
    private static string SiretFor(string name)
    {
        var seed = (uint)name.Aggregate(17, (hash, c) => unchecked(hash * 31 + c));
        var body = (900_000_000_000L + seed % 99_999_999_999L).ToString("D13", CultureInfo.InvariantCulture);
        return Enumerable.Range(0, 10).Select(check => body + check).First(Siret.IsValid);
    }
}
