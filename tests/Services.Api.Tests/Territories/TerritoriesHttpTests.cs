using System.Net;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Offers;
using Services.Api.ReadModels;
using Services.Api.Territories;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Demand;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Territories;

/// <summary>GET /v1/territories: what belongs to each territory and what serves it, from the insights read model.</summary>
public sealed class TerritoriesHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    /// <summary>A territory no other test of the class uses (they share a database).</summary>
    private static string Unique(string stem) => $"{stem}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Every territory, read by <paramref name="reader"/> once the read model has everything written so far.</summary>
    private async Task<IReadOnlyList<TerritoryResponse>> ListedAsync(Actor reader)
    {
        await api.CaughtUpAsync(InsightsProjection.ShardName);
        return await reader.Client.AllPagesAsync<TerritoryResponse>("/v1/territories", PageCursor.MaxLimit);
    }

    [Fact]
    public async Task Each_territory_counts_its_organizations_by_kind_and_the_offers_serving_it_that_are_not_withdrawn()
    {
        var territory = Unique("causse");
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        // As many of each kind as no other kind, so that a count taken for another shows.
        foreach (var (kind, count) in new[] { (OrganizationKind.Partner, 2), (OrganizationKind.Company, 3), (OrganizationKind.Provider, 4) })
        {
            for (var i = 0; i < count; i++) await api.RegisterAsync(kind, territory);
        }
        var company = await api.RegisterAsync(OrganizationKind.Company, Unique("elsewhere"));
        var open = await api.PublishOfferAsync(club, territory: territory);
        var suspended = await api.PublishOfferAsync(club, Category.Mobility, territory);
        await api.SuspendOfferAsync(club, suspended.Id);

        (await ListedAsync(company)).Single(t => t.Code == territory).ShouldBe(new TerritoryResponse(territory, 1, 2, 3, 4, 2));

        await api.WithdrawOfferAsync(club, open.Id);
        (await ListedAsync(company)).Single(t => t.Code == territory).ShouldBe(new TerritoryResponse(territory, 1, 2, 3, 4, 1));
    }

    [Fact]
    public async Task A_territory_only_an_offer_serves_is_listed_until_the_offer_is_withdrawn()
    {
        var home = Unique("home");
        var served = Unique("served");
        var club = await api.RegisterAsync(OrganizationKind.Club, home);
        // Only an offer published before offers had to serve territories with a club or a partner serves one alone.
        var offerId = Ids.New(Ids.Offer);
        await api.AppendAsync(Offer.StreamId(offerId), Offer.StreamType, new OfferPublished(offerId, club.Id, Category.Concierge, "Pressing", "Shirts",
            [served], "Europe/Paris", Money.Euros(0), Money.Euros(100), null, [], DateTimeOffset.UtcNow));

        var listed = await ListedAsync(club);
        listed.Single(t => t.Code == served).ShouldBe(new TerritoryResponse(served, 0, 0, 0, 0, 1));
        listed.Single(t => t.Code == home).ShouldBe(new TerritoryResponse(home, 1, 0, 0, 0, 0));

        await api.WithdrawOfferAsync(club, offerId);
        listed = await ListedAsync(club);
        listed.ShouldNotContain(t => t.Code == served);
        listed.Single(t => t.Code == home).OpenOffers.ShouldBe(0);
        await api.RebuildEqualsLiveAsync(InsightsProjection.ShardName, InsightStore.Tables);
    }

    [Fact]
    public async Task Territories_come_sorted_by_code_byte_by_byte_and_pages_neither_skip_nor_repeat()
    {
        var stem = Unique("page");
        string[] codes = [$"{stem}-b", $"{stem}-a", $"{stem}a", $"{stem}-a-2", $"{stem}0"];
        foreach (var code in codes) await api.RegisterAsync(OrganizationKind.Provider, code);
        var reader = await api.RegisterAsync(OrganizationKind.Company);
        await api.CaughtUpAsync(InsightsProjection.ShardName);

        var whole = await reader.Client.AllPagesAsync<TerritoryResponse>("/v1/territories", PageCursor.MaxLimit);
        var paged = await reader.Client.AllPagesAsync<TerritoryResponse>("/v1/territories", 2);

        paged.Select(t => t.Code).ShouldBe(whole.Select(t => t.Code));
        whole.Select(t => t.Code).ShouldBe(whole.Select(t => t.Code).Order(StringComparer.Ordinal).Distinct());
        whole.Select(t => t.Code).Where(code => code.StartsWith(stem, StringComparison.Ordinal))
            .ShouldBe(codes.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(OrganizationKind.Club)]
    [InlineData(OrganizationKind.Company)]
    [InlineData(OrganizationKind.Provider)]
    [InlineData(OrganizationKind.Partner)]
    public async Task Any_organization_may_list_the_territories(OrganizationKind kind)
    {
        var territory = Unique("open");
        var reader = await api.RegisterAsync(kind, territory);

        (await ListedAsync(reader)).ShouldContain(t => t.Code == territory);
        (await api.Operator.GetAsync("/v1/territories")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Without_a_key_the_territories_are_not_listed()
    {
        await (await api.Anonymous().GetAsync("/v1/territories")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("after=Not%20A%20Code", "after")]
    [InlineData("minPosition=soon", "minPosition")]
    public async Task A_malformed_page_request_is_refused_naming_the_parameter(string query, string field)
    {
        await (await api.Operator.GetAsync($"/v1/territories?{query}")).ShouldBeInvalidAsync(field);
    }
}
