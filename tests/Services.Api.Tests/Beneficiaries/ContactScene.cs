using System.Net;
using System.Net.Http.Json;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Beneficiaries;

/// <summary>A club's offer delivered by a provider, a member company subscribed to it and one of its slots, for tests of contact details.</summary>
public sealed record ContactScene(string Territory, Actor Club, Actor Provider, Actor Partner, Actor Company, Actor OtherCompany, string OfferId, string SubscriptionId, string SlotId)
{
    public static async Task<ContactScene> CreateAsync(ApiFixture api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var territory = "pd-" + Guid.NewGuid().ToString("N")[..10];
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var provider = await api.RegisterAsync(OrganizationKind.Provider, territory);
        var partner = await api.RegisterAsync(OrganizationKind.Partner, territory);
        var offer = await api.PublishOfferAsync(club, Category.Mobility, territory, providerIds: [provider.Id]);
        var company = await api.RegisterMemberAsync(club, territory);
        var other = await api.RegisterMemberAsync(club, territory);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        return new ContactScene(territory, club, provider, partner, company, other, offer.Id, subscription.Id, slot.Id);
    }

    /// <summary>Details unique to the test, so that a search of the whole database finds only them.</summary>
    public static ContactDetails NewContact()
    {
        var unique = Guid.NewGuid().ToString("N");
        var digits = string.Concat(unique.Where(char.IsAsciiDigit).Concat("12345678")).Substring(0, 8);
        return new ContactDetails($"Camille {unique[..8]}", $"camille.{unique[..12]}@example.org", $"+33 6 {digits}");
    }

    public static string NewRef() => "hr-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Books the scene's slot, or <paramref name="slotId"/> (a beneficiary books a slot once).</summary>
    public async Task<(BookingResponse Booking, string Position)> BookAsync(string beneficiaryRef, ContactDetails? contact, string? slotId = null)
    {
        var booked = await Company.Client.PostAsJsonAsync("/v1/bookings",
            new BookSeatRequest(SubscriptionId, slotId ?? SlotId, 1, beneficiaryRef, contact), ApiFixture.JsonOptions);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        return ((await booked.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!, booked.Position());
    }
}
