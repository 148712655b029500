using System.Net;
using Services.Api.Common;
using Services.Api.Tests.Demand;
using Services.Api.Tests.Http;
using Services.Api.Usage;
using static Services.Api.Tests.Demand.InsightStore;

namespace Services.Api.Tests.Usage;

public sealed class ClubDeliveriesHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly DateTimeOffset MidMarch = At(new DateOnly(2026, 3, 25));

    [Fact]
    public async Task A_club_reads_exact_units_waitlist_and_fill_rate_of_its_own_offers_per_slot_even_under_5_and_never_another_clubs()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var otherClub = await store.OrganizationAsync(OrganizationKind.Club, territory);
        var provider = await api.RegisterAsync(OrganizationKind.Provider, territory);
        var company = await store.OrganizationAsync(OrganizationKind.Company, territory);
        var shuttle = await store.OfferAsync(club.Id, [territory], Category.Mobility, title: "Shuttle", providerIds: [provider.Id]);
        var childcare = await store.OfferAsync(club.Id, [territory], Category.Childcare, title: "Childcare");
        var concierge = await store.OfferAsync(club.Id, [territory], Category.Concierge, title: "Concierge");
        var theirs = await store.OfferAsync(otherClub, [territory], Category.Mobility, title: "Their shuttle", providerIds: [provider.Id]);

        var busy = await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 4)), capacity: 8);
        await store.BookAsync(company, shuttle, busy, 2, "emp-private-1", Attended);
        await store.BookAsync(company, shuttle, busy, 1, "emp-private-2", NoShow);
        await store.BookAsync(company, shuttle, busy, 1, "emp-private-3", Confirmed);
        await store.BookAsync(company, shuttle, busy, 1, "emp-private-4", Promoted);
        await store.BookAsync(company, shuttle, busy, 3, "emp-private-5", Cancelled);
        await store.BookAsync(company, shuttle, busy, 2, "emp-private-6", Expired);
        // Still waiting although the slot has started: unmet demand before the waitlist's expiry is recorded.
        await store.BookAsync(company, shuttle, busy, 1, "emp-private-7", Waitlisted);
        var coming = await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 28)), capacity: 3);
        await store.BookAsync(company, shuttle, coming, 3, "emp-private-1", Confirmed);
        await store.BookAsync(company, shuttle, coming, 2, "emp-private-2", Waitlisted);
        var cancelled = await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 15)), capacity: 10);
        await store.BookAsync(company, shuttle, cancelled, 1, "emp-private-1", Cancelled);
        await store.CancelSlotAsync(cancelled.Id);
        // 23:30 UTC on 31 March is 1 April in Paris, the offers' time zone: not a March slot.
        var april = await store.SlotAsync(shuttle, new DateTimeOffset(2026, 3, 31, 23, 30, 0, TimeSpan.Zero));
        await store.BookAsync(company, shuttle, april, 1, "emp-private-1", Expired);
        var day = await store.SlotAsync(childcare, At(new DateOnly(2026, 3, 20)), capacity: 4);
        await store.BookAsync(company, childcare, day, 3, "emp-private-8", Attended);
        await store.BookAsync(company, childcare, day, 1, "emp-private-9", NoShow);
        var notYet = await store.SlotAsync(concierge, At(new DateOnly(2026, 3, 30)), capacity: 5);
        var theirSlot = await store.SlotAsync(theirs, At(new DateOnly(2026, 3, 10)));
        await store.BookAsync(company, theirs, theirSlot, 3, "emp-private-1", Attended);
        await store.BookAsync(company, theirs, theirSlot, 1, "emp-private-2", Expired);
        await using var clocked = api.WithClock(new FakeClock(MidMarch));

        var read = await clocked.ClientFor(club).GetAsync($"/v1/clubs/{club.Id}/deliveries?month=2026-03&minPosition={store.Last}");
        var march = await OkAsync<ClubDeliveriesResponse>(read);

        (march.ClubId, march.Month, march.Provisional).ShouldBe((club.Id, "2026-03", true));
        march.Offers.Select(o => o.OfferId).ShouldBe(new[] { shuttle, childcare, concierge }.Order(StringComparer.Ordinal));
        var offers = march.Offers.ToDictionary(o => o.OfferId);
        var shuttleRun = offers[shuttle];
        (shuttleRun.Title, shuttleRun.Category, shuttleRun.TimeZone).ShouldBe(("Shuttle", Category.Mobility, "Europe/Paris"));
        shuttleRun.Slots.ShouldBe(
        [
            new ClubSlotDeliveriesResponse(busy.Id, busy.Start, 8, false, new DeliveredUnits(5, 2, 1, 2, 0), new WaitlistUnits(0, 3)),
            new ClubSlotDeliveriesResponse(cancelled.Id, cancelled.Start, 10, true, DeliveredUnits.None, WaitlistUnits.None),
            new ClubSlotDeliveriesResponse(coming.Id, coming.Start, 3, false, new DeliveredUnits(3, 0, 0, 0, 3), new WaitlistUnits(2, 0)),
        ]);
        (shuttleRun.Units, shuttleRun.Waitlist).ShouldBe((new DeliveredUnits(8, 2, 1, 2, 3), new WaitlistUnits(2, 3)));
        // 2 attended of the 8 seats of the one slot started and not cancelled.
        shuttleRun.FillRate.ShouldBe(0.25);
        offers[childcare].Slots.ShouldBe([new ClubSlotDeliveriesResponse(day.Id, day.Start, 4, false, new DeliveredUnits(4, 3, 1, 0, 0), WaitlistUnits.None)]);
        offers[childcare].FillRate.ShouldBe(0.75);
        offers[concierge].Slots.ShouldBe([new ClubSlotDeliveriesResponse(notYet.Id, notYet.Start, 5, false, DeliveredUnits.None, WaitlistUnits.None)]);
        offers[concierge].FillRate.ShouldBeNull();
        (march.Totals, march.Waitlist).ShouldBe((new DeliveredUnits(12, 5, 2, 2, 3), new WaitlistUnits(2, 3)));
        var json = await read.Content.ReadAsStringAsync();
        json.ShouldNotContain("<5");
        json.ShouldNotContain("emp-private");
        json.ShouldNotContain(company);
        json.ShouldNotContain(theirs);

        // The provider of the shuttle reads the same units of its slots.
        var delivered = await OkAsync<ProviderDeliveriesResponse>(
            await clocked.ClientFor(provider).GetAsync($"/v1/providers/{provider.Id}/deliveries?month=2026-03&minPosition={store.Last}"));
        delivered.Offers.Single(o => o.OfferId == shuttle).Slots.Select(s => (s.SlotId, s.Units)).ShouldBe(shuttleRun.Slots.Select(s => (s.SlotId, s.Units)));
    }

    [Fact]
    public async Task OfferId_narrows_the_read_to_one_of_the_clubs_offers_and_any_other_offer_is_not_found()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var stranger = await api.RegisterAsync(OrganizationKind.Club, territory);
        var company = await store.OrganizationAsync(OrganizationKind.Company, territory);
        var (shuttle, childcare) = (await store.OfferAsync(club.Id, [territory], Category.Mobility), await store.OfferAsync(club.Id, [territory], Category.Childcare));
        var theirs = await store.OfferAsync(stranger.Id, [territory]);
        var slot = await store.SlotAsync(childcare, At(new DateOnly(2026, 3, 20)));
        await store.BookAsync(company, childcare, slot, 1, "emp-1", Attended);
        await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 21)));
        string Read(string clubId, string offerId) => $"/v1/clubs/{clubId}/deliveries?month=2026-03&offerId={offerId}&minPosition={store.Last}";

        var one = await OkAsync<ClubDeliveriesResponse>(await club.Client.GetAsync(Read(club.Id, childcare)));

        one.Offers.ShouldHaveSingleItem().OfferId.ShouldBe(childcare);
        one.Totals.ShouldBe(new DeliveredUnits(1, 1, 0, 0, 0));
        (await OkAsync<ClubDeliveriesResponse>(await api.Operator.GetAsync(Read(club.Id, shuttle)))).Offers.ShouldHaveSingleItem().OfferId.ShouldBe(shuttle);
        // Its own offer without slots in the month: nothing to report, but no error.
        (await OkAsync<ClubDeliveriesResponse>(await club.Client.GetAsync(Read(club.Id, shuttle).Replace("2026-03", "2026-04", StringComparison.Ordinal)))).Offers.ShouldBeEmpty();
        foreach (var caller in new[] { club.Client, api.Operator })
        {
            await (await caller.GetAsync(Read(club.Id, theirs))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
            await (await caller.GetAsync(Read(club.Id, Ids.New(Ids.Offer)))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
        // Another club learns nothing of the club's offers through it.
        var foreign = await (await stranger.Client.GetAsync(Read(club.Id, childcare))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        foreign.GetProperty("detail").GetString().ShouldNotBeNull().ShouldNotContain("offer");
        await (await club.Client.GetAsync(Read(club.Id, "off_nope"))).ShouldBeInvalidAsync("offerId");
    }
}
