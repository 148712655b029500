using System.Net;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Slots;
using Services.Api.Tests.Http;
using static Services.Api.Tests.Demand.InsightStore;

namespace Services.Api.Tests.Demand;

public sealed class DemandHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly DateOnly Monday = new(2026, 3, 2); // ISO week 2026-W10

    private async Task<DemandResponse> ReadAsync(HttpClient client, string query, InsightStore store)
    {
        var read = await client.GetAsync($"/v1/demand?{query}&minPosition={store.Last}");
        return await OkAsync<DemandResponse>(read);
    }

    [Fact]
    public async Task Bookings_and_needs_are_counted_per_territory_category_and_iso_week_of_the_slots_local_date()
    {
        var store = new InsightStore(api);
        var (north, south) = (NewTerritory(), NewTerritory());
        var club = await store.OrganizationAsync(OrganizationKind.Club, north);
        var (a, b) = ("org_companyaaaaaaaaaaaaaaaaaa", "org_companybbbbbbbbbbbbbbbbbb");
        var offer = await store.OfferAsync(club, [north, south], Category.Mobility);
        var week10 = await store.SlotAsync(offer, At(Monday.AddDays(2)));
        // Sunday 23:30 UTC is already Monday in Paris: the next ISO week.
        var sundayNight = await store.SlotAsync(offer, new DateTimeOffset(Monday.AddDays(6).ToDateTime(new TimeOnly(23, 30)), TimeSpan.Zero));
        await store.BookAsync(a, offer, week10, 2, "e1", Attended);
        await store.BookAsync(a, offer, week10, 1, "e2", Cancelled);
        await store.BookAsync(b, offer, week10, 3, "e3", Promoted);
        await store.BookAsync(b, offer, week10, 4, "e4", Expired);
        await store.BookAsync(b, offer, sundayNight, 1, "e5", Confirmed);
        await store.NeedAsync(a, north, 7, At(Monday.AddDays(1)));
        await store.NeedAsync(b, north, 2, At(Monday.AddDays(3)));
        await store.NeedAsync(b, north, 3, At(Monday.AddDays(3)), Category.Childcare);

        var demand = await ReadAsync(api.Operator, $"territory={north}", store);

        demand.Data.ShouldBe([
            new DemandWeekResponse(north, Category.Mobility, "2026-W10", Monday,
                UnitsRequested: "10", UnitsConfirmed: "6", UnitsWaitlisted: "7", UnitsExpired: "4", UnitsCancelled: "1", UnitsAttended: "2",
                NeedsRecorded: 2, NeedsHeadcount: "9", DistinctCompanies: 2),
            new DemandWeekResponse(north, Category.Mobility, "2026-W11", Monday.AddDays(7), "1", "1", "0", "0", "0", "0", 0, "0", 1),
            new DemandWeekResponse(north, Category.Childcare, "2026-W10", Monday, "0", "0", "0", "0", "0", "0", 1, "3", 1),
        ], ignoreOrder: true);
        // An offer serving several territories counts in each; needs only in their own territory.
        var southDemand = await ReadAsync(api.Operator, $"territory={south}", store);
        southDemand.Data.Select(w => (w.Week, w.UnitsRequested, w.NeedsRecorded)).ShouldBe([("2026-W10", "10", 0), ("2026-W11", "1", 0)]);
        // from/to select whole ISO weeks; category filters.
        var oneWeek = await ReadAsync(api.Operator, $"territory={north}&category=mobility&from=2026-03-08&to=2026-03-08", store);
        oneWeek.Data.ShouldHaveSingleItem().Week.ShouldBe("2026-W10");
        (await ReadAsync(api.Operator, $"territory={north}&from=2026-03-09", store)).Data.ShouldHaveSingleItem().Week.ShouldBe("2026-W11");
        (await ReadAsync(api.Operator, $"territory={north}&to=2026-03-08", store)).Data.Select(w => (w.Category, w.Week))
            .ShouldBe([(Category.Mobility, "2026-W10"), (Category.Childcare, "2026-W10")], ignoreOrder: true);
        (await ReadAsync(api.Operator, $"territory={north}&category=childcare", store)).Data.ShouldHaveSingleItem().NeedsHeadcount.ShouldBe("3");
    }

    [Fact]
    public async Task An_offer_that_lists_a_territory_twice_counts_its_bookings_there_once()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var club = await store.OrganizationAsync(OrganizationKind.Club, territory);
        // Published before territories were checked for repeats.
        var offer = await store.OfferAsync(club, [territory, territory], Category.Mobility);
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, await store.SlotAsync(offer, At(Monday.AddDays(2))), 2, "e1", Attended);

        var week = (await ReadAsync(api.Operator, $"territory={territory}", store)).Data.ShouldHaveSingleItem();

        (week.UnitsRequested, week.UnitsConfirmed, week.UnitsAttended).ShouldBe(("2", "2", "2"));
    }

    [Fact]
    public async Task Clubs_and_partners_see_the_demand_of_their_own_territories_only()
    {
        var store = new InsightStore(api);
        var mine = NewTerritory();
        var club = await api.RegisterAsync(OrganizationKind.Club, mine);
        var otherTerritory = NewTerritory();
        var partnerElsewhere = await api.RegisterAsync(OrganizationKind.Partner, otherTerritory);
        var partnerHere = await api.RegisterAsync(OrganizationKind.Partner, mine);
        var offer = await store.OfferAsync(club.Id, [mine]);
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, await store.SlotAsync(offer, At(Monday)), 1, "e1", Confirmed);
        var elsewhere = await store.OfferAsync(club.Id, [otherTerritory]);
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", elsewhere, await store.SlotAsync(elsewhere, At(Monday)), 5, "e1", Confirmed);
        await store.CaughtUpAsync(InsightsProjection.ShardName);

        (await ReadAsync(club.Client, "from=2026-03-01", store)).Data.ShouldHaveSingleItem().Territory.ShouldBe(mine);
        (await ReadAsync(partnerHere.Client, $"territory={mine}", store)).Data.ShouldHaveSingleItem().UnitsRequested.ShouldBe(PeopleCount.Masked);
        (await ReadAsync(partnerElsewhere.Client, "", store)).Data.ShouldHaveSingleItem().Territory.ShouldBe(otherTerritory);
        await (await partnerElsewhere.Client.GetAsync($"/v1/demand?territory={mine}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var company = await api.RegisterAsync(OrganizationKind.Company, mine);
        (await company.Client.GetAsync("/v1/demand")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var provider = await api.RegisterAsync(OrganizationKind.Provider, mine);
        (await provider.Client.GetAsync("/v1/demand")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.Anonymous().GetAsync("/v1/demand")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Clubs_and_partners_read_counts_of_people_under_5_as_less_than_5_the_operator_reads_the_figures()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var partner = await api.RegisterAsync(OrganizationKind.Partner, territory);
        var offer = await store.OfferAsync(club.Id, [territory], Category.Concierge);
        // Another club's offer in the same territory: its bookings count in the club's buckets too.
        var othersOffer = await store.OfferAsync(await store.OrganizationAsync(OrganizationKind.Club, territory), [territory], Category.Concierge);
        var slot = await store.SlotAsync(offer, At(Monday.AddDays(2)));
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, slot, 1, "e1", Attended);
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, slot, 2, "e2", Expired);
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", othersOffer, await store.SlotAsync(othersOffer, At(Monday.AddDays(3))), 4, "e3", Confirmed);
        await store.NeedAsync("org_companyaaaaaaaaaaaaaaaaaa", territory, 4, At(Monday), Category.Concierge);

        var byOperator = (await ReadAsync(api.Operator, $"territory={territory}", store)).Data.ShouldHaveSingleItem();
        var byClub = (await ReadAsync(club.Client, $"territory={territory}", store)).Data.ShouldHaveSingleItem();
        var byPartner = (await ReadAsync(partner.Client, $"territory={territory}", store)).Data.ShouldHaveSingleItem();

        byOperator.ShouldBe(new DemandWeekResponse(territory, Category.Concierge, "2026-W10", Monday,
            UnitsRequested: "7", UnitsConfirmed: "5", UnitsWaitlisted: "2", UnitsExpired: "2", UnitsCancelled: "0", UnitsAttended: "1",
            NeedsRecorded: 1, NeedsHeadcount: "4", DistinctCompanies: 1));
        var masked = byOperator with
        {
            UnitsWaitlisted = "<5", UnitsExpired = "<5", UnitsCancelled = "<5", UnitsAttended = "<5", NeedsHeadcount = "<5",
        };
        // From 5 up the figure (7 requested, 5 confirmed), below it "<5", as in the indicators.
        byPartner.ShouldBe(masked);
        byClub.ShouldBe(masked);
    }

    [Theory]
    [InlineData("category=cooking", "category")]
    [InlineData("territory=Grand%20Figeac", "territory")]
    [InlineData("from=2026-13-01", "from")]
    [InlineData("from=2026-03-10&to=2026-03-09", "to")]
    [InlineData("minPosition=soon", "minPosition")]
    public async Task Malformed_filters_are_refused_naming_the_parameter(string query, string field) =>
        await (await api.Operator.GetAsync($"/v1/demand?{query}")).ShouldBeInvalidAsync(field);

    [Fact]
    public async Task A_booking_made_through_the_api_is_read_at_once_with_its_position()
    {
        var territory = NewTerritory();
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var offer = await api.PublishOfferAsync(club, Category.Childcare, territory);
        var company = await api.RegisterMemberAsync(club, territory);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: 4);
        var booked = await company.PostBookingAsync(subscription.Id, slot.Id, quantity: 3);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created);

        var read = await club.Client.GetAsync($"/v1/demand?minPosition={PositionOf(booked)}");

        var week = (await OkAsync<DemandResponse>(read)).Data.ShouldHaveSingleItem();
        (week.Territory, week.Category, week.UnitsRequested, week.UnitsConfirmed, week.DistinctCompanies).ShouldBe((territory, Category.Childcare, PeopleCount.Masked, PeopleCount.Masked, 1));
        week.Week.ShouldBe(InsightNames.IsoWeek(DateOnly.FromDateTime(slot.Start.UtcDateTime)));
    }

    [Fact]
    public async Task A_rebuilt_demand_model_equals_the_live_one()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var offer = await store.OfferAsync("org_clubaaaaaaaaaaaaaaaaaaaaa", [territory, NewTerritory()]);
        var slot = await store.SlotAsync(offer, At(Monday));
        var moved = At(Monday).AddHours(3);
        await store.AppendAsync(Slot.StreamId(slot.Id), Slot.StreamType, new SlotRescheduled(offer, slot.Start, slot.Start.AddHours(1), moved, moved.AddHours(1)));
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, slot, 2, "e1", Attended);
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, slot, 1, "e2", Expired);
        await store.CancelSlotAsync((await store.SlotAsync(offer, At(Monday.AddDays(1)))).Id);
        await store.WithdrawNeedAsync(await store.NeedAsync("org_companyaaaaaaaaaaaaaaaaaa", territory, 4, At(Monday)));
        await store.CaughtUpAsync(InsightsProjection.ShardName);
        (await api.CountAsync($"select count(*) from {InsightsProjection.Prefix}_slots where slot_id = $1 and start_at = $2", slot.Id, moved)).ShouldBe(1);

        await store.RebuildEqualsLiveAsync(InsightsProjection.ShardName, Tables);
    }
}
