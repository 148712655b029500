using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Slots;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Catalog;

public sealed class CatalogReadModelTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Shard = CatalogReadModels.CatalogShard;

    /// <summary>A territory no other test uses, with a partner: an offer serves only territories with a club or a partner.</summary>
    private async Task<string> NewTerritoryAsync()
    {
        var territory = "t" + Guid.NewGuid().ToString("N")[..12];
        await api.RegisterAsync(OrganizationKind.Partner, territory);
        return territory;
    }

    private static async Task<(OfferResponse Offer, string Position)> PublishAsync(
        Actor club, string territory, Category category = Category.Concierge, IReadOnlyList<string>? providerIds = null)
    {
        var published = await club.Client.PostAsJsonAsync("/v1/offers", Http.OffersAndSlots.OfferRequest(category, territory, providerIds: providerIds), ApiFixture.JsonOptions);
        published.StatusCode.ShouldBe(HttpStatusCode.Created, await published.Content.ReadAsStringAsync());
        return ((await published.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!, published.Position());
    }

    [Fact]
    public async Task A_published_offer_is_in_the_catalog_of_any_organization_reading_with_min_position()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var partner = await api.RegisterAsync(OrganizationKind.Partner);
        var territory = await NewTerritoryAsync();
        var (offer, position) = await PublishAsync(club, territory, Category.Childcare);

        var page = await partner.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}&minPosition={position}");

        page.Data.ShouldHaveSingleItem().ShouldBeEquivalentTo(await OfferAsync(partner, offer.Id));
        page.Next.ShouldBeNull();
    }

    [Fact]
    public async Task Revisions_and_lifecycle_change_the_row_and_the_default_status_filter_lists_active_offers_only()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var territory = await NewTerritoryAsync();
        var (kept, _) = await PublishAsync(club, territory);
        var (suspended, _) = await PublishAsync(club, territory);
        var (withdrawn, _) = await PublishAsync(club, territory);
        var (resumed, _) = await PublishAsync(club, territory);
        var revised = await club.Client.PatchAsJsonAsync($"/v1/offers/{kept.Id}",
            new ReviseOfferRequest(Title: "Dry cleaning at the gate", Territories: [territory, "grand-figeac"]), ApiFixture.PartialChangeOptions);
        revised.StatusCode.ShouldBe(HttpStatusCode.OK, await revised.Content.ReadAsStringAsync());
        await api.SuspendOfferAsync(club, suspended.Id);
        await api.WithdrawOfferAsync(club, withdrawn.Id);
        await api.SuspendOfferAsync(club, resumed.Id);
        await api.ResumeOfferAsync(club, resumed.Id);
        await api.CaughtUpAsync(Shard);

        var active = await club.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}");
        active.Data.Select(o => o.Id).ShouldBe([resumed.Id, kept.Id]);
        var current = active.Data.Single(o => o.Id == kept.Id);
        current.Title.ShouldBe("Dry cleaning at the gate");
        current.Territories.ShouldBe([territory, "grand-figeac"]);
        current.Status.ShouldBe(OfferStatus.Active);
        current.ShouldBeEquivalentTo(await OfferAsync(club, kept.Id));
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}&status=suspended")).Data.Single().Id.ShouldBe(suspended.Id);
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}&status=withdrawn")).Data.Single().Status.ShouldBe(OfferStatus.Withdrawn);
    }

    [Fact]
    public async Task Category_and_territory_filter_the_catalog()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var territory = await NewTerritoryAsync();
        var (mobility, _) = await PublishAsync(club, territory, Category.Mobility);
        var (spouse, _) = await PublishAsync(club, territory, Category.SpouseWelcome);
        await PublishAsync(club, await NewTerritoryAsync(), Category.Mobility);
        await api.CaughtUpAsync(Shard);

        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}&category=mobility")).Data.Select(o => o.Id).ShouldBe([mobility.Id]);
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}&category=spouse_welcome")).Data.Select(o => o.Id).ShouldBe([spouse.Id]);
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}")).Data.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Provider_id_lists_the_offers_naming_that_provider_to_any_organization()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (concierge, childminders) = (await api.RegisterAsync(OrganizationKind.Provider), await api.RegisterAsync(OrganizationKind.Provider));
        var territory = await NewTerritoryAsync();
        var (alone, _) = await PublishAsync(club, territory, providerIds: [concierge.Id]);
        var (shared, _) = await PublishAsync(club, territory, providerIds: [childminders.Id, concierge.Id]);
        await PublishAsync(club, territory, providerIds: [childminders.Id]);
        var (handedOver, _) = await PublishAsync(club, territory, providerIds: [concierge.Id]);
        await PublishAsync(club, territory);
        var revised = await club.Client.PatchAsJsonAsync($"/v1/offers/{handedOver.Id}", new ReviseOfferRequest(ProviderIds: [childminders.Id]), ApiFixture.PartialChangeOptions);
        revised.StatusCode.ShouldBe(HttpStatusCode.OK, await revised.Content.ReadAsStringAsync());
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var delivered = await concierge.Client.ListAsync<OfferResponse>($"/v1/offers?providerId={concierge.Id}&minPosition={revised.Position()}");

        delivered.Data.Select(o => o.Id).ShouldBe([shared.Id, alone.Id]);
        // Offers and their providers are public: another provider, a company, the operator get the same list.
        foreach (var reader in new[] { childminders.Client, company.Client, api.Operator })
            (await reader.ListAsync<OfferResponse>($"/v1/offers?providerId={concierge.Id}")).Data.Select(o => o.Id).ShouldBe([shared.Id, alone.Id]);
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?providerId={childminders.Id}&territory={territory}&category=concierge")).Data.Count.ShouldBe(3);
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?providerId={company.Id}")).Data.ShouldBeEmpty();
    }

    [Fact]
    public async Task Club_id_lists_that_clubs_offers_only()
    {
        var (club, otherClub) = (await api.RegisterAsync(OrganizationKind.Club), await api.RegisterAsync(OrganizationKind.Club));
        var territory = await NewTerritoryAsync();
        var (older, _) = await PublishAsync(club, territory);
        await PublishAsync(otherClub, territory);
        var (newer, published) = await PublishAsync(club, territory);

        var own = await club.Client.ListAsync<OfferResponse>($"/v1/offers?clubId={club.Id}&minPosition={published}");

        own.Data.Select(o => o.Id).ShouldBe([newer.Id, older.Id]);
        (await otherClub.Client.ListAsync<OfferResponse>($"/v1/offers?clubId={club.Id}&territory={territory}")).Data.Select(o => o.Id).ShouldBe([newer.Id, older.Id]);
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?clubId={otherClub.Id}&territory={territory}")).Data.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task From_and_to_keep_offers_with_a_scheduled_slot_with_room_starting_in_the_range()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var territory = await NewTerritoryAsync();
        var (withRoom, _) = await PublishAsync(club, territory);
        var (full, _) = await PublishAsync(club, territory);
        var (cancelled, _) = await PublishAsync(club, territory);
        var (later, _) = await PublishAsync(club, territory);
        await PublishAsync(club, territory); // no slot at all
        var day = Http.OffersAndSlots.InDays(5);
        await api.ScheduleSlotAsync(club, withRoom.Id, day, capacity: 2);
        var fullSlot = await api.ScheduleSlotAsync(club, full.Id, day, capacity: 1);
        var cancelledSlot = await api.ScheduleSlotAsync(club, cancelled.Id, day);
        await api.ScheduleSlotAsync(club, later.Id, day.AddDays(3));
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, full.Id);
        await api.BookAsync(company, subscription.Id, fullSlot.Id);
        await api.CancelSlotAsync(club, cancelledSlot.Id);
        await api.CaughtUpAsync(Shard);

        var range = $"/v1/offers?territory={territory}&from={Iso(day.AddHours(-1))}&to={Iso(day.AddDays(1))}";
        (await club.Client.ListAsync<OfferResponse>(range)).Data.Select(o => o.Id).ShouldBe([withRoom.Id]);
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}&from={Iso(day)}")).Data.Select(o => o.Id).ShouldBe([later.Id, withRoom.Id]);
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}&to={Iso(day)}")).Data.ShouldBeEmpty(); // [now, day): the slot at 'day' is excluded
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}")).Data.Count.ShouldBe(5);
    }

    [Fact]
    public async Task Catalog_pages_never_skip_or_repeat_an_offer_while_new_offers_are_published()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var territory = await NewTerritoryAsync();
        var existing = new List<string>();
        for (var i = 0; i < 7; i++) existing.Add((await PublishAsync(club, territory)).Offer.Id);
        await api.CaughtUpAsync(Shard);
        var added = new List<string>();

        var listed = await club.Client.AllPagesAsync<OfferResponse>($"/v1/offers?territory={territory}", pageSize: 3, async () =>
        {
            var (offer, position) = await PublishAsync(club, territory);
            added.Add(offer.Id);
            await api.CaughtUpAsync(Shard);
        });

        listed.Select(o => o.Id).ShouldBe(Enumerable.Reverse(existing));
        (await club.Client.ListAsync<OfferResponse>($"/v1/offers?territory={territory}&limit=100")).Data.Count.ShouldBe(7 + added.Count);
    }

    [Fact]
    public async Task Availability_lists_each_slot_of_the_offer_in_start_order_with_reserved_remaining_and_waitlist()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (offer, _) = await PublishAsync(club, await NewTerritoryAsync());
        var first = Http.OffersAndSlots.InDays(4);
        var slots = await api.ScheduleSlotsAsync(club, offer.Id,
        [
            new ScheduleSlotItem(first.AddDays(2), first.AddDays(2).AddHours(1), 5),
            new ScheduleSlotItem(first, first.AddHours(1), 2),
            new ScheduleSlotItem(first.AddDays(1), first.AddDays(1).AddHours(1), 3),
        ]);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var full = slots[1];
        await api.BookAsync(company, subscription.Id, full.Id, quantity: 2);
        await api.BookAsync(company, subscription.Id, full.Id);
        await api.BookAsync(company, subscription.Id, full.Id);
        await api.ChangeSlotCapacityAsync(club, slots[2].Id, 4);
        await api.CancelSlotAsync(club, slots[0].Id);
        var reader = await api.RegisterAsync(OrganizationKind.Provider);
        await api.CaughtUpAsync(Shard);

        var page = await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability");

        page.Data.Select(s => s.Id).ShouldBe([slots[1].Id, slots[2].Id, slots[0].Id]);
        page.Data[0].ShouldBe(new SlotResponse(full.Id, offer.Id, first, first.AddHours(1), 2, 2, 0, 2, SlotStatus.Scheduled, OfferStatus.Active, null));
        page.Data[1].ShouldBe(new SlotResponse(slots[2].Id, offer.Id, first.AddDays(1), first.AddDays(1).AddHours(1), 4, 0, 4, 0, SlotStatus.Scheduled, OfferStatus.Active, null));
        (page.Data[2].Status, page.Data[2].Remaining).ShouldBe((SlotStatus.Cancelled, 0), "a cancelled slot has nothing left to book");
        foreach (var slot in page.Data) slot.ShouldBe(await api.GetSlotAsync(reader, slot.Id));
        (await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability?status=scheduled&from={Iso(first.AddMinutes(1))}"))
            .Data.Select(s => s.Id).ShouldBe([slots[2].Id]);
        (await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability?to={Iso(first.AddDays(1))}"))
            .Data.Select(s => s.Id).ShouldBe([slots[1].Id]);
    }

    [Fact]
    public async Task A_suspended_or_withdrawn_offers_slots_show_its_status_and_nothing_left_to_book_in_the_kept_page_the_rows_and_the_slot()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (offer, _) = await PublishAsync(club, await NewTerritoryAsync());
        var slot = await api.ScheduleSlotAsync(club, offer.Id, Http.OffersAndSlots.InDays(4), capacity: 3);
        var company = await api.RegisterMemberAsync(club);
        await api.BookAsync(company, (await api.SubscribeAsync(company, offer.Id)).Id, slot.Id);
        var reader = await api.RegisterAsync(OrganizationKind.Provider);
        async Task ShowsAsync(OfferStatus offerStatus, int remaining)
        {
            foreach (var row in await EverywhereAsync(reader, offer.Id, slot.Id, SlotStatus.Scheduled)) (row.OfferStatus, row.Reserved, row.Remaining).ShouldBe((offerStatus, 1, remaining));
        }

        await ShowsAsync(OfferStatus.Active, 2);
        await api.SuspendOfferAsync(club, offer.Id);
        await ShowsAsync(OfferStatus.Suspended, 0);
        await api.ResumeOfferAsync(club, offer.Id);
        await ShowsAsync(OfferStatus.Active, 2);
        await api.WithdrawOfferAsync(club, offer.Id);
        await ShowsAsync(OfferStatus.Withdrawn, 0);
    }

    [Fact]
    public async Task A_cancelled_slot_shows_the_reason_its_club_gave_and_when_in_the_kept_page_the_rows_and_the_slot()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (offer, _) = await PublishAsync(club, await NewTerritoryAsync());
        var slot = await api.ScheduleSlotAsync(club, offer.Id, Http.OffersAndSlots.InDays(4));
        var reader = await api.RegisterAsync(OrganizationKind.Company);

        var cancellation = (await api.CancelSlotAsync(club, slot.Id, "Venue closed")).Cancellation.ShouldNotBeNull();

        cancellation.Reason.ShouldBe("Venue closed");
        foreach (var row in await EverywhereAsync(reader, offer.Id, slot.Id, SlotStatus.Cancelled)) (row.Status, row.Remaining, row.Cancellation).ShouldBe((SlotStatus.Cancelled, 0, cancellation));
    }

    [Fact]
    public async Task A_slot_a_node_on_older_code_cancelled_reads_cancelled_with_nothing_to_book_though_its_row_has_no_reason()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (offer, _) = await PublishAsync(club, await NewTerritoryAsync());
        var slot = await api.ScheduleSlotAsync(club, offer.Id, Http.OffersAndSlots.InDays(4));
        var cancellation = (await api.CancelSlotAsync(club, slot.Id)).Cancellation!;
        await api.CaughtUpAsync(Shard);
        // Such a node sets the status and gives the units back, and knows nothing of the columns of the reason.
        await api.ExecuteAsync("update rm_catalog_slots set cancel_reason = null, cancelled_at = null where slot_id = $1", slot.Id);

        var row = (await club.Client.ListAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability?status=cancelled")).Data.ShouldHaveSingleItem();

        (row.Status, row.Remaining, row.Cancellation).ShouldBe((SlotStatus.Cancelled, 0, null));
        // As a rebuild sets it again: the class's rebuild test compares every row.
        await api.ExecuteAsync("update rm_catalog_slots set cancel_reason = $2, cancelled_at = $3 where slot_id = $1", slot.Id, cancellation.Reason, cancellation.CancelledAt);
    }

    [Fact]
    public async Task A_slots_counts_follow_each_seat_change_made_in_a_later_page_than_the_entry_it_changes()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (offer, _) = await PublishAsync(club, await NewTerritoryAsync());
        var slot = await api.ScheduleSlotAsync(club, offer.Id, Http.OffersAndSlots.InDays(4), capacity: 2);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var reader = await api.RegisterAsync(OrganizationKind.Provider);
        // Each step waits for the shard, so that it lands in a page of its own, after the entries it changes.
        async Task CountsAsync(int reserved, int waitlisted)
        {
            await api.CaughtUpAsync(Shard);
            // A filter reads the rows, not the default page kept in memory.
            var row = (await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability?status=scheduled")).Data.ShouldHaveSingleItem();
            (row.Reserved, row.WaitlistLength).ShouldBe((reserved, waitlisted));
            row.ShouldBe(await api.GetSlotAsync(reader, slot.Id));
            // The counts are moved by deltas: they must still equal what the entries add up to.
            await using var recount = api.Service<NpgsqlDataSource>().CreateCommand("""
                select coalesce(sum(quantity) filter (where kind = 'confirmed'), 0)::int, (count(*) filter (where kind = 'waitlisted'))::int
                from rm_catalog_slot_entries where slot_id = $1
                """);
            recount.Parameters.Add(new NpgsqlParameter { Value = slot.Id });
            await using var entries = await recount.ExecuteReaderAsync();
            (await entries.ReadAsync()).ShouldBeTrue();
            (entries.GetInt32(0), entries.GetInt32(1)).ShouldBe((reserved, waitlisted));
        }

        var first = await api.BookAsync(company, subscription.Id, slot.Id);
        await CountsAsync(1, 0);
        var second = await api.BookAsync(company, subscription.Id, slot.Id);
        var third = await api.BookAsync(company, subscription.Id, slot.Id);
        third.Status.ShouldBe(BookingStatus.Waitlisted);
        await CountsAsync(2, 1);
        await api.CancelBookingAsync(company, first.Id); // its seat goes to the third, waitlisted until now
        await CountsAsync(2, 0);
        await api.CancelBookingAsync(company, third.Id);
        await CountsAsync(1, 0);
        await api.CancelBookingAsync(company, second.Id);
        await CountsAsync(0, 0);
    }

    [Fact]
    public async Task The_default_availability_read_kept_in_memory_shows_every_change_once_the_read_model_has_it()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (offer, _) = await PublishAsync(club, await NewTerritoryAsync());
        var later = await api.ScheduleSlotAsync(club, offer.Id, Http.OffersAndSlots.InDays(5), capacity: 2);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var reader = await api.RegisterAsync(OrganizationKind.Company);
        await api.CaughtUpAsync(Shard);
        async Task<IReadOnlyList<SlotResponse>> DefaultPageAsync(string query = "") =>
            (await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability{query}")).Data;

        (await DefaultPageAsync()).ShouldHaveSingleItem().Reserved.ShouldBe(0);
        // Rows read while the shard finishes its last page are not kept: read again until one is.
        await Eventually.WaitUntilAsync(async () => (await DefaultPageAsync()).Count == 1 && api.Service<AvailabilityCache>().TryGet(offer.Id, DateTimeOffset.UtcNow, null, out _),
            "the default read is kept", TimeSpan.FromSeconds(10));

        var booked = await company.PostBookingAsync(subscription.Id, later.Id);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await DefaultPageAsync($"?minPosition={booked.Position()}")).ShouldHaveSingleItem().Reserved.ShouldBe(1);

        var sooner = await api.ScheduleSlotAsync(club, offer.Id, Http.OffersAndSlots.InDays(4));
        await api.CaughtUpAsync(Shard);
        (await DefaultPageAsync()).Select(s => s.Id).ShouldBe([sooner.Id, later.Id]);

        await api.ChangeSlotCapacityAsync(club, later.Id, 5);
        await api.CancelSlotAsync(club, sooner.Id);
        await api.CaughtUpAsync(Shard);
        var page = await DefaultPageAsync();
        page[0].Status.ShouldBe(SlotStatus.Cancelled);
        page[1].ShouldBe(await api.GetSlotAsync(reader, later.Id));
        page[1].Capacity.ShouldBe(5);
        using var kept = await reader.Client.GetAsync($"/v1/offers/{offer.Id}/availability");
        using var read = await reader.Client.GetAsync($"/v1/offers/{offer.Id}/availability?to={Iso(Http.OffersAndSlots.InDays(30))}");
        (await kept.Content.ReadAsStringAsync()).ShouldBe(await read.Content.ReadAsStringAsync(), "the kept JSON is what the endpoint writes for the same rows");
        kept.Content.Headers.ContentType.ShouldBe(read.Content.Headers.ContentType);
    }

    [Fact]
    public async Task Availability_pages_in_start_order_and_reads_its_writes()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (offer, _) = await PublishAsync(club, await NewTerritoryAsync());
        var first = Http.OffersAndSlots.InDays(6);
        var scheduled = await club.Client.PostAsJsonAsync($"/v1/offers/{offer.Id}/slots",
            new ScheduleSlotsRequest([.. Enumerable.Range(0, 5).Select(i => new ScheduleSlotItem(first.AddHours(i), first.AddHours(i).AddMinutes(30), 2))]),
            ApiFixture.JsonOptions);
        scheduled.StatusCode.ShouldBe(HttpStatusCode.Created);

        var firstPage = await club.Client.ListAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability?limit=2&minPosition={scheduled.Position()}");
        var all = await club.Client.AllPagesAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability", pageSize: 2);

        firstPage.Data.Count.ShouldBe(2);
        firstPage.Next.ShouldNotBeNull();
        all.Select(s => s.Start).ShouldBe([.. Enumerable.Range(0, 5).Select(i => first.AddHours(i))]);
    }

    [Fact]
    public async Task Availability_of_an_offer_without_slots_is_an_empty_page_for_any_organization_whatever_its_status()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var reader = await api.RegisterAsync(OrganizationKind.Company);
        var (offer, published) = await PublishAsync(club, await NewTerritoryAsync());
        var (withdrawn, _) = await PublishAsync(club, await NewTerritoryAsync());
        await api.ScheduleSlotAsync(club, withdrawn.Id, Http.OffersAndSlots.InDays(2));
        var withdrawal = await club.Client.PostAsync($"/v1/offers/{withdrawn.Id}/withdraw", null);
        withdrawal.StatusCode.ShouldBe(HttpStatusCode.OK);

        var page = await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability?minPosition={published}");
        var later = await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{withdrawn.Id}/availability?from={Iso(Http.OffersAndSlots.InDays(3))}&minPosition={withdrawal.Position()}");

        page.Data.ShouldBeEmpty();
        page.Next.ShouldBeNull();
        later.Data.ShouldBeEmpty();
        (await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{withdrawn.Id}/availability")).Data.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Availability_of_an_offer_the_catalog_has_not_applied_yet_waits_for_it_instead_of_answering_404()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        OfferResponse offer;
        await using (var locker = new NpgsqlConnection(api.ConnectionString))
        {
            // The catalog's next page held at its write, so that the offer is certainly not applied while it is read.
            await locker.OpenAsync();
            await using var transaction = await locker.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand("lock table rm_catalog_offers in exclusive mode", locker, transaction)) await lockTable.ExecuteNonQueryAsync();
            (offer, _) = await PublishAsync(club, await NewTerritoryAsync());
            await Eventually.WaitUntilAsync(async () => await api.CountAsync("select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like '%rm_catalog_offers%'") > 0,
                "the catalog's page waits for the table");

            var lagging = await club.Client.GetAsync($"/v1/offers/{offer.Id}/availability");

            await lagging.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "read_model_lagging");
            lagging.Headers.RetryAfter.ShouldNotBeNull();
            await transaction.CommitAsync();
        }

        (await club.Client.ListAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability")).Data.ShouldBeEmpty();
    }

    [Fact]
    public async Task Availability_of_an_unknown_offer_is_404_and_bad_parameters_are_400_naming_them()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (offer, _) = await PublishAsync(club, await NewTerritoryAsync());

        await (await club.Client.GetAsync($"/v1/offers/{Ids.New(Ids.Offer)}/availability")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await club.Client.GetAsync($"/v1/offers/{offer.Id}/availability?limit=501")).ShouldBeInvalidAsync("limit");
        await (await club.Client.GetAsync($"/v1/offers/{offer.Id}/availability?after=nope")).ShouldBeInvalidAsync("after");
        await (await club.Client.GetAsync($"/v1/offers/{offer.Id}/availability?from=yesterday")).ShouldBeInvalidAsync("from");
        await (await club.Client.GetAsync($"/v1/offers/{offer.Id}/availability?status=full")).ShouldBeInvalidAsync("status");
        await (await club.Client.GetAsync($"/v1/offers/{offer.Id}/availability?minPosition=x")).ShouldBeInvalidAsync("minPosition");
        // No write can have answered a position whose transaction has not started: 400 at once, not 503 after waiting.
        await (await club.Client.GetAsync($"/v1/offers/{offer.Id}/availability?minPosition={ulong.MaxValue}.{long.MaxValue}")).ShouldBeInvalidAsync("minPosition");
        (await api.Anonymous().GetAsync($"/v1/offers/{offer.Id}/availability")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Catalog_filters_are_validated_and_the_catalog_needs_a_key()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        await (await club.Client.GetAsync("/v1/offers?category=laundry")).ShouldBeInvalidAsync("category");
        await (await club.Client.GetAsync("/v1/offers?status=open")).ShouldBeInvalidAsync("status");
        await (await club.Client.GetAsync("/v1/offers?territory=Not%20A%20Slug")).ShouldBeInvalidAsync("territory");
        await (await club.Client.GetAsync("/v1/offers?providerId=the-concierge")).ShouldBeInvalidAsync("providerId");
        await (await club.Client.GetAsync("/v1/offers?clubId=my-club")).ShouldBeInvalidAsync("clubId");
        // Days without an offset are refused as such, not also as out of order.
        var days = await (await club.Client.GetAsync("/v1/offers?from=2026-12-01&to=2026-11-01")).ShouldBeInvalidAsync("from");
        days.GetProperty("errors").GetProperty("to").EnumerateArray().Select(e => e.GetString()).ShouldBe([Services.Api.Infrastructure.UtcInstantConverter.OffsetRequired]);
        await (await club.Client.GetAsync("/v1/offers?limit=0")).ShouldBeInvalidAsync("limit");
        await (await club.Client.GetAsync("/v1/offers?limit=ten")).ShouldBeInvalidAsync("limit");
        await (await club.Client.GetAsync($"/v1/offers?from={Iso(Http.OffersAndSlots.InDays(3))}&to={Iso(Http.OffersAndSlots.InDays(2))}")).ShouldBeInvalidAsync("to");
        (await api.Anonymous().GetAsync("/v1/offers")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_catalog_rebuilt_from_the_events_equals_the_live_one()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (offer, _) = await PublishAsync(club, await NewTerritoryAsync());
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: 1);
        var other = await api.ScheduleSlotAsync(club, offer.Id, Http.OffersAndSlots.InDays(8));
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var confirmed = await api.BookAsync(company, subscription.Id, slot.Id);
        await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CancelBookingAsync(company, confirmed.Id); // promotes the waitlisted one
        await api.BookAsync(company, subscription.Id, slot.Id);
        await api.RescheduleSlotAsync(club, slot, slot.Start.AddHours(2));
        await api.CancelSlotAsync(club, other.Id);
        // Cancelled before SlotCancelled carried its instant: the rebuild takes the instant it was recorded, as the live shard did.
        await api.AppendAsync(Slot.StreamId((await api.ScheduleSlotAsync(club, offer.Id, Http.OffersAndSlots.InDays(9))).Id), Slot.StreamType, new SlotCancelled("Snow"));
        await api.SuspendOfferAsync(club, offer.Id);

        await api.RebuildEqualsLiveAsync(Shard, "rm_catalog_offers", "rm_catalog_slots", "rm_catalog_slot_entries");
    }

    /// <summary>
    /// The offer's only slot as every read shows it once the catalog caught up: the default availability page twice
    /// (the second from memory), a page filtered by <paramref name="status"/> from the rows, and the slot's own stream.
    /// </summary>
    private async Task<SlotResponse[]> EverywhereAsync(Actor reader, string offerId, string slotId, SlotStatus status)
    {
        await api.CaughtUpAsync(Shard);
        return
        [
            (await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{offerId}/availability")).Data.ShouldHaveSingleItem(),
            (await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{offerId}/availability")).Data.ShouldHaveSingleItem(),
            (await reader.Client.ListAsync<SlotResponse>($"/v1/offers/{offerId}/availability?status={WireName.Of(status)}")).Data.ShouldHaveSingleItem(),
            await api.GetSlotAsync(reader, slotId),
        ];
    }

    /// <summary>The single read, deserialized like the list (so both have the same collection types).</summary>
    private static async Task<OfferResponse> OfferAsync(Actor reader, string offerId) =>
        (await reader.Client.GetFromJsonAsync<OfferResponse>($"/v1/offers/{offerId}", ApiFixture.JsonOptions))!;

    private static string Iso(DateTimeOffset instant) => Uri.EscapeDataString(instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
}
