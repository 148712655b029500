using System.Net;
using System.Net.Http.Json;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.Tests.Demand;
using Services.Api.Tests.Http;
using Services.Api.Usage;
using static Services.Api.Tests.Demand.InsightStore;

namespace Services.Api.Tests.Usage;

public sealed class ProviderDeliveriesHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static async Task<ProviderDeliveriesResponse> DeliveriesAsync(HttpClient client, string providerId, string month, InsightStore store) =>
        await OkAsync<ProviderDeliveriesResponse>(await client.GetAsync($"/v1/providers/{providerId}/deliveries?month={month}&minPosition={store.Last}"));

    [Fact]
    public async Task A_provider_reads_per_offer_and_slot_of_the_month_the_units_booked_attended_no_show_and_unrecorded_of_the_offers_it_delivers()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var (provider, otherProvider) = (await api.RegisterAsync(OrganizationKind.Provider, territory), await store.OrganizationAsync(OrganizationKind.Provider, territory));
        var (club, otherClub) = (await store.OrganizationAsync(OrganizationKind.Club, territory), await store.OrganizationAsync(OrganizationKind.Club, territory));
        var company = await store.OrganizationAsync(OrganizationKind.Company, territory);
        var shuttle = await store.OfferAsync(club, [territory], Category.Mobility, title: "Shuttle", providerIds: [provider.Id]);
        var childcare = await store.OfferAsync(otherClub, [territory], Category.Childcare, title: "Childcare", providerIds: [otherProvider, provider.Id]);
        var notOurs = await store.OfferAsync(club, [territory], Category.Concierge, title: "Concierge", providerIds: [otherProvider]);

        var busy = await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 4)), capacity: 8);
        await store.BookAsync(company, shuttle, busy, 2, "emp-private-1", Attended);
        await store.BookAsync(company, shuttle, busy, 1, "emp-private-2", NoShow);
        await store.BookAsync(company, shuttle, busy, 3, "emp-private-3", Confirmed);
        await store.BookAsync(company, shuttle, busy, 1, "emp-private-4", Promoted);
        await store.BookAsync(company, shuttle, busy, 5, "emp-private-5", Cancelled);
        await store.BookAsync(company, shuttle, busy, 4, "emp-private-6", Waitlisted);
        await store.BookAsync(company, shuttle, busy, 2, "emp-private-7", Expired);
        // 23:30 UTC on 28 February is 1 March in Paris, the offer's time zone: a March slot; 23:30 UTC on 31 March is April's.
        var firstOfMarch = await store.SlotAsync(shuttle, new DateTimeOffset(2026, 2, 28, 23, 30, 0, TimeSpan.Zero));
        await store.BookAsync(company, shuttle, firstOfMarch, 1, "emp-private-1", Attended);
        var firstOfApril = await store.SlotAsync(shuttle, new DateTimeOffset(2026, 3, 31, 23, 30, 0, TimeSpan.Zero));
        await store.BookAsync(company, shuttle, firstOfApril, 2, "emp-private-1", Attended);
        var cancelled = await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 15)));
        await store.BookAsync(company, shuttle, cancelled, 1, "emp-private-1", Cancelled);
        await store.CancelSlotAsync(cancelled.Id);
        var childcareDay = await store.SlotAsync(childcare, At(new DateOnly(2026, 3, 20)), capacity: 4);
        await store.BookAsync(company, childcare, childcareDay, 1, "emp-private-8", Attended);
        await store.BookAsync(company, childcare, childcareDay, 1, "emp-private-9", NoShow);
        var emptyDay = await store.SlotAsync(childcare, At(new DateOnly(2026, 3, 21)), capacity: 4);
        await store.BookAsync(company, notOurs, await store.SlotAsync(notOurs, At(new DateOnly(2026, 3, 10))), 3, "emp-private-1", Attended);

        var read = await provider.Client.GetAsync($"/v1/providers/{provider.Id}/deliveries?month=2026-03&minPosition={store.Last}");
        var march = await OkAsync<ProviderDeliveriesResponse>(read);

        (march.ProviderId, march.Month).ShouldBe((provider.Id, "2026-03"));
        march.Offers.Select(o => o.OfferId).ShouldBe([shuttle, childcare]);
        var (shuttleDelivered, childcareDelivered) = (march.Offers[0], march.Offers[1]);
        (shuttleDelivered.ClubId, shuttleDelivered.Title, shuttleDelivered.Category, shuttleDelivered.TimeZone).ShouldBe((club, "Shuttle", Category.Mobility, "Europe/Paris"));
        shuttleDelivered.Slots.ShouldBe(
        [
            new DeliveredSlotResponse(firstOfMarch.Id, firstOfMarch.Start, 10, false, new DeliveredUnits(1, 1, 0, 0, 0)),
            new DeliveredSlotResponse(busy.Id, busy.Start, 8, false, new DeliveredUnits(7, 2, 1, 4, 0)),
            new DeliveredSlotResponse(cancelled.Id, cancelled.Start, 10, true, DeliveredUnits.None),
        ]);
        shuttleDelivered.Units.ShouldBe(new DeliveredUnits(8, 3, 1, 4, 0));
        (childcareDelivered.ClubId, childcareDelivered.Title, childcareDelivered.Category).ShouldBe((otherClub, "Childcare", Category.Childcare));
        childcareDelivered.Slots.ShouldBe(
        [
            new DeliveredSlotResponse(childcareDay.Id, childcareDay.Start, 4, false, new DeliveredUnits(2, 1, 1, 0, 0)),
            new DeliveredSlotResponse(emptyDay.Id, emptyDay.Start, 4, false, DeliveredUnits.None),
        ]);
        childcareDelivered.Units.ShouldBe(new DeliveredUnits(2, 1, 1, 0, 0));
        march.Totals.ShouldBe(new DeliveredUnits(10, 4, 2, 4, 0));
        var json = await read.Content.ReadAsStringAsync();
        json.ShouldNotContain("emp-private");
        json.ShouldNotContain(company);

        var april = await DeliveriesAsync(api.Operator, provider.Id, "2026-04", store);
        april.Offers.ShouldHaveSingleItem().Slots.ShouldBe([new DeliveredSlotResponse(firstOfApril.Id, firstOfApril.Start, 10, false, new DeliveredUnits(2, 2, 0, 0, 0))]);
        var february = await DeliveriesAsync(provider.Client, provider.Id, "2026-02", store);
        (february.Month, february.Offers.Count, february.Totals).ShouldBe(("2026-02", 0, DeliveredUnits.None));
    }

    [Fact]
    public async Task Unrecorded_counts_the_units_of_started_slots_whose_attendance_is_due_and_upcoming_those_of_slots_not_started_yet()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var provider = await api.RegisterAsync(OrganizationKind.Provider, territory);
        var club = await store.OrganizationAsync(OrganizationKind.Club, territory);
        var company = await store.OrganizationAsync(OrganizationKind.Company, territory);
        var shuttle = await store.OfferAsync(club, [territory], Category.Mobility, title: "Shuttle", providerIds: [provider.Id]);
        var past = await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 10)));
        await store.BookAsync(company, shuttle, past, 2, "emp-1", Confirmed);
        await store.BookAsync(company, shuttle, past, 1, "emp-2", Attended);
        var future = await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 26)));
        await store.BookAsync(company, shuttle, future, 3, "emp-1", Confirmed);
        await using var midMarch = api.WithClock(new FakeClock(At(new DateOnly(2026, 3, 25))));

        var march = await DeliveriesAsync(midMarch.ClientFor(provider), provider.Id, "2026-03", store);

        march.Offers.ShouldHaveSingleItem().Slots.Select(s => (s.SlotId, s.Units)).ShouldBe(
            [(past.Id, new DeliveredUnits(3, 1, 0, 2, 0)), (future.Id, new DeliveredUnits(3, 0, 0, 0, 3))]);
        march.Totals.ShouldBe(new DeliveredUnits(6, 1, 0, 2, 3));
    }

    [Fact]
    public async Task An_offer_handed_to_another_provider_stays_on_the_former_ones_deliveries_for_its_slots_started_before_and_is_on_the_new_ones_for_those_after()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var (former, next) = (await store.OrganizationAsync(OrganizationKind.Provider, territory), await store.OrganizationAsync(OrganizationKind.Provider, territory));
        var club = await store.OrganizationAsync(OrganizationKind.Club, territory);
        var company = await store.OrganizationAsync(OrganizationKind.Company, territory);
        var carpool = await store.OfferAsync(club, [territory], Category.Mobility, title: "Carpool", providerIds: [former]);
        var delivered = await store.SlotAsync(carpool, At(new DateOnly(2026, 3, 11)));
        await store.BookAsync(company, carpool, delivered, 2, "emp-1", Attended);
        // Scheduled before the hand-over, but starting after it: the new provider's to deliver.
        var toDeliver = await store.SlotAsync(carpool, At(new DateOnly(2099, 3, 11)));
        await store.BookAsync(company, carpool, toDeliver, 1, "emp-1", Confirmed);
        // Now, long after March 2026: the club hands the carpool to the next provider.
        await store.ReviseAsync(carpool, [territory], 5_000, 1_250, title: "Carpool", providerIds: [next]);

        var formerMarch = await DeliveriesAsync(api.Operator, former, "2026-03", store);
        formerMarch.Offers.ShouldHaveSingleItem().OfferId.ShouldBe(carpool);
        formerMarch.Offers[0].Slots.ShouldBe([new DeliveredSlotResponse(delivered.Id, delivered.Start, 10, false, new DeliveredUnits(2, 2, 0, 0, 0))]);
        (await DeliveriesAsync(api.Operator, former, "2099-03", store)).Offers.ShouldBeEmpty();
        (await DeliveriesAsync(api.Operator, next, "2026-03", store)).Offers.ShouldBeEmpty();
        var nextLater = await DeliveriesAsync(api.Operator, next, "2099-03", store);
        nextLater.Offers.ShouldHaveSingleItem().OfferId.ShouldBe(carpool);
        nextLater.Offers[0].Slots.ShouldBe([new DeliveredSlotResponse(toDeliver.Id, toDeliver.Start, 10, false, new DeliveredUnits(1, 0, 0, 0, 1))]);
    }

    [Fact]
    public async Task Attendance_the_provider_records_is_in_its_deliveries_read_with_its_position()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var provider = await api.RegisterAsync(OrganizationKind.Provider);
        var offer = await api.PublishOfferAsync(club, providerIds: [provider.Id]);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var attended = await api.BookAsync(company, subscription.Id, slot.Id, quantity: 2);
        await api.BookAsync(company, subscription.Id, slot.Id, quantity: 1);
        await using var later = api.WithClock(new FakeClock(slot.Start.AddHours(2)));
        var recorded = await later.ClientFor(provider).PostAsJsonAsync($"/v1/bookings/{attended.Id}/attendance",
            new RecordAttendanceRequest(AttendanceOutcome.Attended), ApiFixture.JsonOptions);
        recorded.StatusCode.ShouldBe(HttpStatusCode.OK, await recorded.Content.ReadAsStringAsync());
        var month = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(slot.Start, "Europe/Paris").ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

        var read = await provider.Client.GetAsync($"/v1/providers/{provider.Id}/deliveries?month={month}&minPosition={PositionOf(recorded)}");

        var delivered = (await OkAsync<ProviderDeliveriesResponse>(read)).Offers.ShouldHaveSingleItem();
        delivered.OfferId.ShouldBe(offer.Id);
        // Read at the API's clock, before the slot starts: the unit not recorded is upcoming, not yet due.
        delivered.Slots.ShouldHaveSingleItem().Units.ShouldBe(new DeliveredUnits(3, 2, 0, 0, 1));
    }

    [Fact]
    public async Task Offer_terms_kept_before_migration_31_take_the_providers_of_the_publication_or_revision_that_set_them()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var (provider, otherProvider) = (Ids.New(Ids.Organization), Ids.New(Ids.Organization));
        var published = await store.OfferAsync("org_clubaaaaaaaaaaaaaaaaaaaaa", [territory], providerIds: [otherProvider, provider]);
        var revised = await store.OfferAsync("org_clubaaaaaaaaaaaaaaaaaaaaa", [territory], providerIds: [provider]);
        await store.ReviseAsync(revised, [territory], 5_000, 1_250, providerIds: [otherProvider]);
        var none = await store.OfferAsync("org_clubaaaaaaaaaaaaaaaaaaaaa", [territory]);
        await store.CaughtUpAsync(InsightsProjection.ShardName);
        (string Offer, long Version, string[] Providers)[] expected =
            [(published, 1, [otherProvider, provider]), (revised, 1, [provider]), (revised, 2, [otherProvider]), (none, 1, [])];
        foreach (var (offer, version, providers) in expected) (await ProvidersAreAsync(offer, version, providers)).ShouldBeTrue();

        // As on a database that had not had it yet.
        await api.ExecuteAsync("alter table rm_insights_offer_terms drop column provider_ids");
        await api.ExecuteAsync("delete from schema_migrations where component = 'api' and version = 31");
        await SchemaMigration.ApplyAsync(api.Service<EventStore.EventStore>(), CancellationToken.None);

        foreach (var (offer, version, providers) in expected)
            (await ProvidersAreAsync(offer, version, providers)).ShouldBeTrue($"{offer} v{version} names [{string.Join(", ", providers)}]");
    }

    private async Task<bool> ProvidersAreAsync(string offerId, long version, string[] providers) =>
        await api.CountAsync("select count(*) from rm_insights_offer_terms where offer_id = $1 and version = $2 and provider_ids = $3", offerId, version, providers) == 1;
}
