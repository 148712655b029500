using System.Net;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Needs;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Catalog;

public sealed class NeedListTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Shard = CatalogReadModels.NeedListShard;

    private static string NewTerritory() => "t" + Guid.NewGuid().ToString("N")[..12];

    private async Task<string[]> ListedAsync(Actor actor, string query = "") =>
        [.. (await actor.Client.ListAsync<NeedResponse>($"/v1/needs{query}")).Data.Select(n => n.Id)];

    [Fact]
    public async Task Acknowledging_addressing_and_withdrawing_show_in_the_list_as_in_the_single_read()
    {
        var territory = NewTerritory();
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        var addressed = await api.RecordNeedAsync(company, Category.Mobility, territory);
        var withdrawn = await api.RecordNeedAsync(company, Category.Childcare, territory);
        var offer = await api.PublishOfferAsync(club, Category.Mobility, territory);
        (await club.Client.NeedActionAsync(addressed.Id, "acknowledge")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await club.Client.NeedActionAsync(addressed.Id, "address", new AddressNeedRequest(offer.Id))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var last = await company.Client.NeedActionAsync(withdrawn.Id, "withdraw");
        last.StatusCode.ShouldBe(HttpStatusCode.OK, await last.Content.ReadAsStringAsync());

        var listed = (await company.Client.ListAsync<NeedResponse>($"/v1/needs?minPosition={last.Position()}")).Data;

        listed.Select(n => n.Id).ShouldBe([withdrawn.Id, addressed.Id]);
        foreach (var need in listed)
        {
            var read = await company.Client.GetAsync($"/v1/needs/{need.Id}");
            var single = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<NeedResponse>(read.Content, ApiFixture.JsonOptions))!;
            // Read models keep instants to the microsecond (PostgreSQL); events keep 100 ns ticks.
            (single.RecordedAt - need.RecordedAt).Duration().ShouldBeLessThan(TimeSpan.FromMicroseconds(1));
            need.ShouldBeEquivalentTo(single with { RecordedAt = need.RecordedAt });
        }
        listed[0].Status.ShouldBe(NeedStatus.Withdrawn);
        listed[1].Status.ShouldBe(NeedStatus.Addressed);
        listed[1].AddressedByOfferId.ShouldBe(offer.Id);
        listed[1].AcknowledgedBy.ShouldBe([club.Id]);
    }

    [Fact]
    public async Task Companies_see_their_own_needs_and_clubs_and_partners_those_of_their_territories()
    {
        var territory = NewTerritory();
        var elsewhere = NewTerritory();
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        var otherCompany = await api.RegisterAsync(OrganizationKind.Company, territory);
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var partner = await api.RegisterAsync(OrganizationKind.Partner, territory);
        var farClub = await api.RegisterAsync(OrganizationKind.Club, elsewhere);
        var provider = await api.RegisterAsync(OrganizationKind.Provider, territory);
        var mine = await api.RecordNeedAsync(company, territory: territory);
        var mineElsewhere = await api.RecordNeedAsync(company, territory: elsewhere);
        var theirs = await api.RecordNeedAsync(otherCompany, territory: territory);
        await api.CaughtUpAsync(Shard);

        (await ListedAsync(company)).ShouldBe([mineElsewhere.Id, mine.Id]);
        (await ListedAsync(otherCompany)).ShouldBe([theirs.Id]);
        (await ListedAsync(club)).ShouldBe([theirs.Id, mine.Id]);
        (await ListedAsync(farClub)).ShouldBe([mineElsewhere.Id]);
        (await ListedAsync(provider)).ShouldBeEmpty();
        var seenByPartner = (await partner.Client.ListAsync<NeedResponse>("/v1/needs")).Data;
        seenByPartner.Select(n => n.Id).ShouldBe([theirs.Id, mine.Id]);
        seenByPartner.ShouldAllBe(n => n.CompanyId == null);
        (await api.Operator.ListAsync<NeedResponse>($"/v1/needs?territory={territory}")).Data.Select(n => n.Id).ShouldBe([theirs.Id, mine.Id]);
    }

    [Fact]
    public async Task Territory_category_and_status_filter_needs()
    {
        var (territory, otherTerritory) = (NewTerritory(), NewTerritory());
        await api.CoverTerritoryAsync(territory);
        await api.CoverTerritoryAsync(otherTerritory);
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        var mobility = await api.RecordNeedAsync(company, Category.Mobility, territory);
        var childcare = await api.RecordNeedAsync(company, Category.Childcare, territory);
        var other = await api.RecordNeedAsync(company, Category.Mobility, otherTerritory);
        (await company.Client.NeedActionAsync(childcare.Id, "withdraw")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.CaughtUpAsync(Shard);

        (await ListedAsync(company, "?category=mobility")).ShouldBe([other.Id, mobility.Id]);
        (await ListedAsync(company, $"?territory={territory}")).ShouldBe([childcare.Id, mobility.Id]);
        (await ListedAsync(company, "?status=withdrawn")).ShouldBe([childcare.Id]);
        (await ListedAsync(company, $"?status=open&territory={territory}")).ShouldBe([mobility.Id]);
        await (await company.Client.GetAsync("/v1/needs?category=food")).ShouldBeInvalidAsync("category");
        await (await company.Client.GetAsync("/v1/needs?status=closed")).ShouldBeInvalidAsync("status");
        await (await company.Client.GetAsync("/v1/needs?territory=A")).ShouldBeInvalidAsync("territory");
        (await api.Anonymous().GetAsync("/v1/needs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Pages_never_skip_or_repeat_a_need_while_needs_are_recorded()
    {
        var territory = NewTerritory();
        await api.CoverTerritoryAsync(territory);
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        var existing = new List<string>();
        for (var i = 0; i < 7; i++) existing.Add((await api.RecordNeedAsync(company, territory: territory)).Id);
        await api.CaughtUpAsync(Shard);

        var listed = await company.Client.AllPagesAsync<NeedResponse>("/v1/needs", pageSize: 3, async () =>
        {
            await api.RecordNeedAsync(company, territory: territory);
            await api.CaughtUpAsync(Shard);
        });

        listed.Select(n => n.Id).ShouldBe(Enumerable.Reverse(existing));
    }

    [Fact]
    public async Task The_need_list_rebuilt_from_the_events_equals_the_live_one()
    {
        var territory = NewTerritory();
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        var need = await api.RecordNeedAsync(company, Category.Mobility, territory);
        var withdrawn = await api.RecordNeedAsync(company, Category.Concierge, territory);
        var offer = await api.PublishOfferAsync(club, Category.Mobility, territory);
        (await club.Client.NeedActionAsync(need.Id, "acknowledge")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest(offer.Id))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await company.Client.NeedActionAsync(withdrawn.Id, "withdraw")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await api.RebuildEqualsLiveAsync(Shard, "rm_needs");
    }
}
