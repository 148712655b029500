using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Territories;

/// <summary>POST and PATCH /v1/offers: an offer serves only territories with a club or a partner, as a need is recorded only there.</summary>
public sealed class OfferTerritoryHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static string Unique(string stem) => $"{stem}-{Guid.NewGuid().ToString("N")[..8]}";

    private static Task<HttpResponseMessage> PublishAsync(HttpClient client, IReadOnlyList<string> territories, string? clubId = null) =>
        client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(clubId: clubId) with { Territories = territories }, ApiFixture.JsonOptions);

    private static Task<HttpResponseMessage> ReviseAsync(Actor club, string offerId, ReviseOfferRequest revision) =>
        club.Client.PatchAsJsonAsync($"/v1/offers/{offerId}", revision, ApiFixture.PartialChangeOptions);

    [Fact]
    public async Task An_offer_in_a_misspelt_territory_is_refused_naming_the_territory_meant()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club, "grand-figeac");

        var problem = await (await PublishAsync(club.Client, ["grand-figeac", "grand-figea"])).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");

        problem.GetProperty("territory").GetString().ShouldBe("grand-figea");
        problem.GetProperty("coveredTerritories").EnumerateArray().Select(t => t.GetString()).ShouldContain("grand-figeac");
        problem.GetProperty("detail").GetString()!.ShouldContain("would find this offer");
        (await api.CountAsync("select count(*) from es_events where event_type = 'offer.published' and data->'territories' ? $1", "grand-figea")).ShouldBe(0);
    }

    [Fact]
    public async Task The_operator_is_refused_too()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        await (await PublishAsync(api.Operator, [Unique("nowhere")], club.Id)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");
    }

    [Fact]
    public async Task A_territory_with_only_a_partner_is_served()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var territory = Unique("partnered");
        await api.RegisterAsync(OrganizationKind.Partner, territory);

        var published = await PublishAsync(club.Client, [territory]);

        published.StatusCode.ShouldBe(HttpStatusCode.Created, await published.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_revision_adding_a_misspelt_territory_is_refused_and_changes_nothing()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club, "grand-figeac");
        var offer = await api.PublishOfferAsync(club);

        var problem = await (await ReviseAsync(club, offer.Id, new ReviseOfferRequest(Territories: ["grand-figeac", "grand-figea"])))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");

        problem.GetProperty("territory").GetString().ShouldBe("grand-figea");
        (await api.CountAsync("select count(*) from es_events where stream_id = $1 and event_type = 'offer.revised'", Offer.StreamId(offer.Id))).ShouldBe(0);
    }

    [Fact]
    public async Task A_withdrawn_offer_is_refused_as_withdrawn_whatever_territory_a_revision_adds()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club, "grand-figeac");
        var offer = await api.PublishOfferAsync(club);
        await api.WithdrawOfferAsync(club, offer.Id);

        await (await ReviseAsync(club, offer.Id, new ReviseOfferRequest(Territories: ["grand-figeac", "grand-figea"])))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_withdrawn");
    }

    [Fact]
    public async Task An_offer_published_before_the_rule_in_a_territory_no_one_covers_is_still_revised()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var uncovered = Unique("before");
        var offerId = Ids.New(Ids.Offer);
        await api.AppendAsync(Offer.StreamId(offerId), Offer.StreamType, new OfferPublished(offerId, club.Id, Category.Concierge, "Pressing", "Shirts",
            [uncovered], "Europe/Paris", Money.Euros(0), Money.Euros(100), null, [], DateTimeOffset.UtcNow));

        var revised = await ReviseAsync(club, offerId, new ReviseOfferRequest(Title: "Pressing at the gate"));

        revised.StatusCode.ShouldBe(HttpStatusCode.OK, await revised.Content.ReadAsStringAsync());
    }
}
