using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Slots;
using Services.Api.Tests.Http;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Tests.Catalog;

public sealed class BookingListTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Shard = CatalogReadModels.BookingListShard;

    private sealed record Scene(Actor Club, Actor Provider, string OfferId, Actor Company, string SubscriptionId, string SlotId);

    private async Task<Scene> SceneAsync(int capacity = 10)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var provider = await api.RegisterAsync(OrganizationKind.Provider);
        var offer = await api.PublishOfferAsync(club, providerIds: [provider.Id]);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: capacity);
        return new Scene(club, provider, offer.Id, company, subscription.Id, slot.Id);
    }

    private async Task<string> RowAsync(string bookingId)
    {
        await using var command = api.Service<NpgsqlDataSource>().CreateCommand(
            "select concat_ws('|', status, attendance, waitlist_position_at_join, case when promoted_at is null then 'false' else 'true' end, cancel_reason, club_id, array_to_string(provider_ids, ',')) from rm_bookings where booking_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = bookingId });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static BookingRequested Requested(string bookingId, string companyId, string offerId, DateTimeOffset at) =>
        new(bookingId, companyId, Ids.New(Ids.Subscription), offerId, Ids.New(Ids.Slot), at.AddDays(2), 1, "emp-1", at);

    [Fact]
    public async Task Each_booking_event_moves_the_row_through_its_lifecycle()
    {
        var offerId = Ids.New(Ids.Offer);
        var clubId = Ids.New(Ids.Organization);
        var companyId = Ids.New(Ids.Organization);
        var providerId = Ids.New(Ids.Organization);
        var at = DateTimeOffset.UtcNow;
        await api.AppendAsync(Offer.StreamId(offerId), Offer.StreamType, new OfferPublished(offerId, clubId, Category.Mobility, "Shuttle", "d",
            ["grand-figeac"], "Europe/Paris", Money.Euros(0), Money.Euros(100), null, [], at));
        static string StreamOf(string id) => Booking.StreamId(id);
        var (attended, promoted, expired, cancelled, noShow) = (Ids.New(Ids.Booking), Ids.New(Ids.Booking), Ids.New(Ids.Booking), Ids.New(Ids.Booking), Ids.New(Ids.Booking));
        await api.AppendAsync(StreamOf(attended), Booking.StreamType, Requested(attended, companyId, offerId, at), new BookingConfirmed(),
            new AttendanceRecorded(AttendanceOutcome.Attended, providerId));
        await api.AppendAsync(StreamOf(promoted), Booking.StreamType, Requested(promoted, companyId, offerId, at), new BookingWaitlisted(2), new BookingPromoted());
        await api.AppendAsync(StreamOf(expired), Booking.StreamType, Requested(expired, companyId, offerId, at), new BookingWaitlisted(1), new BookingExpired());
        await api.AppendAsync(StreamOf(cancelled), Booking.StreamType, Requested(cancelled, companyId, offerId, at), new BookingConfirmed(),
            new BookingCancelled(CancellationReason.OnRequest));
        await api.AppendAsync(StreamOf(noShow), Booking.StreamType, Requested(noShow, companyId, offerId, at), new BookingConfirmed(),
            new AttendanceRecorded(AttendanceOutcome.NoShow, clubId));
        await api.AppendAsync(Offer.StreamId(offerId), Offer.StreamType, new OfferRevised("Shuttle", "d", ["grand-figeac"], Money.Euros(0), Money.Euros(100), null, [providerId]));
        await api.CaughtUpAsync(Shard);

        (await RowAsync(attended)).ShouldBe($"confirmed|attended|false|{clubId}|{providerId}");
        (await RowAsync(promoted)).ShouldBe($"confirmed|2|true|{clubId}|{providerId}");
        (await RowAsync(expired)).ShouldBe($"expired|1|false|{clubId}|{providerId}");
        (await RowAsync(cancelled)).ShouldBe($"cancelled|false|on_request|{clubId}|{providerId}");
        (await RowAsync(noShow)).ShouldBe($"confirmed|no_show|false|{clubId}|{providerId}");
    }

    [Fact]
    public async Task A_slot_cancellation_the_migration_already_listed_is_applied_again_without_a_fault()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        // As migration 0027 lists every cancellation in the store, ahead of a read model that lagged then.
        await api.ExecuteAsync("insert into rm_booking_slot_cancellations (slot_id, reason, cancelled_at) values ($1, 'Venue closed', now())", scene.SlotId);

        await api.CancelSlotAsync(scene.Club, scene.SlotId, "Venue closed");
        await api.CaughtUpAsync(Shard);

        var listed = (await scene.Company.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}")).Data.ShouldHaveSingleItem();
        (listed.Id, listed.CancelReason, listed.SlotCancellation!.Reason).ShouldBe((booking.Id, CancellationReason.SlotCancelled, "Venue closed"));
        (await api.Service<ProjectionDaemon>().GetStatusAsync()).Single(shard => shard.Name == Shard).DeadLetters.ShouldBe(0);
    }

    [Fact]
    public async Task Listed_bookings_match_the_single_reads_including_the_current_waitlist_position()
    {
        var scene = await SceneAsync(capacity: 2);
        var first = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId, quantity: 2);
        var second = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId, quantity: 2);
        var third = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId, quantity: 2);
        var fourth = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        third.WaitlistPosition.ShouldBe(2);
        await api.CancelBookingAsync(scene.Company, first.Id); // promotes 'second'; 'third' and 'fourth' move up
        await api.CaughtUpAsync(Shard);

        var listed = await scene.Company.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}");

        listed.Data.Select(b => b.Id).ShouldBe([fourth.Id, third.Id, second.Id, first.Id]);
        foreach (var booking in listed.Data) booking.ShouldBe(await api.GetBookingAsync(scene.Company, booking.Id));
        listed.Data.Select(b => (b.Status, b.WaitlistPosition)).ShouldBe(
            [(BookingStatus.Waitlisted, 2), (BookingStatus.Waitlisted, 1), (BookingStatus.Confirmed, null), (BookingStatus.Cancelled, null)]);
    }

    [Fact]
    public async Task Bookings_waitlisted_in_one_transaction_are_listed_in_the_slots_order_not_their_ids_order()
    {
        var scene = await SceneAsync(capacity: 1);
        await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var slot = await api.GetSlotAsync(scene.Company, scene.SlotId);
        var ids = new[] { Ids.New(Ids.Booking), Ids.New(Ids.Booking) }.Order(StringComparer.Ordinal).ToArray();
        var (first, second) = (ids[1], ids[0]); // the transaction writes the first one's stream last
        StreamAppend Waitlisted(string id, int position) => new(Booking.StreamId(id), Booking.StreamType, ExpectedVersion.NoStream,
            [new BookingRequested(id, scene.Company.Id, scene.SubscriptionId, scene.OfferId, scene.SlotId, slot.Start, 1, $"hr-{position}", DateTimeOffset.UtcNow), new BookingWaitlisted(position)]);

        await api.Factory.Services.GetRequiredService<EventStore.EventStore>().AppendAsync(
        [
            Waitlisted(first, 1),
            Waitlisted(second, 2),
            new StreamAppend(Slot.StreamId(scene.SlotId), Slot.StreamType, ExpectedVersion.Any,
                [new WaitlistJoined(first, scene.Company.Id, 1, 1), new WaitlistJoined(second, scene.Company.Id, 1, 2)]),
        ]);
        await api.CaughtUpAsync(Shard);

        async Task ListedInTheSlotsOrderAsync()
        {
            var listed = await scene.Company.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}&status=waitlisted");
            listed.Data.Select(b => (b.Id, b.WaitlistPosition)).OrderBy(b => b.WaitlistPosition).ShouldBe([(first, (int?)1), (second, 2)]);
        }
        await ListedInTheSlotsOrderAsync();

        // Rows an earlier version wrote in the bookings' order are put in the slot's by migration 0020.
        await api.ExecuteAsync("update rm_bookings set waitlisted_seq = -waitlisted_seq where booking_id in ($1, $2)", first, second);
        await api.ExecuteAsync("delete from schema_migrations where component = 'api' and version = 20");
        await SchemaMigration.ApplyAsync(api.Service<EventStore.EventStore>(), CancellationToken.None);
        await ListedInTheSlotsOrderAsync();
    }

    [Fact]
    public async Task Each_organization_lists_only_the_bookings_it_may_see()
    {
        var scene = await SceneAsync();
        var otherCompany = await api.RegisterMemberAsync(scene.Club);
        var otherSubscription = await api.SubscribeAsync(otherCompany, scene.OfferId);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);
        var otherOffer = await api.PublishOfferAsync(otherClub);
        var admitted = await otherClub.Client.PostAsJsonAsync($"/v1/clubs/{otherClub.Id}/members", new Services.Api.Organizations.AdmitMemberRequest(scene.Company.Id), ApiFixture.JsonOptions);
        admitted.StatusCode.ShouldBe(HttpStatusCode.OK);
        var elsewhereSubscription = await api.SubscribeAsync(scene.Company, otherOffer.Id);
        var elsewhereSlot = await api.ScheduleSlotAsync(otherClub, otherOffer.Id);
        var mine = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var theirs = await api.BookAsync(otherCompany, otherSubscription.Id, scene.SlotId);
        var elsewhere = await api.BookAsync(scene.Company, elsewhereSubscription.Id, elsewhereSlot.Id);
        var partner = await api.RegisterAsync(OrganizationKind.Partner);
        var strangerProvider = await api.RegisterAsync(OrganizationKind.Provider);
        await api.CaughtUpAsync(Shard);

        async Task<string[]> Listed(Actor actor, string query = "") => [.. (await actor.Client.ListAsync<BookingResponse>($"/v1/bookings{query}")).Data.Select(b => b.Id)];

        (await Listed(scene.Company)).ShouldBe([elsewhere.Id, mine.Id]);
        (await Listed(otherCompany)).ShouldBe([theirs.Id]);
        (await Listed(otherCompany, $"?companyId={scene.Company.Id}")).ShouldBeEmpty();
        (await Listed(scene.Club)).ShouldBe([theirs.Id, mine.Id]);
        (await Listed(scene.Club, $"?companyId={otherCompany.Id}")).ShouldBe([theirs.Id]);
        (await Listed(otherClub)).ShouldBe([elsewhere.Id]);
        (await Listed(scene.Provider)).ShouldBe([theirs.Id, mine.Id]);
        (await Listed(strangerProvider)).ShouldBeEmpty();
        (await Listed(partner)).ShouldBeEmpty();
        var all = await api.Operator.ListAsync<BookingResponse>($"/v1/bookings?companyId={scene.Company.Id}");
        all.Data.Select(b => b.Id).ShouldBe([elsewhere.Id, mine.Id]);
    }

    [Fact]
    public async Task Filters_select_by_status_slot_offer_and_slot_start()
    {
        var scene = await SceneAsync(capacity: 1);
        var laterSlot = await api.ScheduleSlotAsync(scene.Club, scene.OfferId, Http.OffersAndSlots.InDays(9), capacity: 5);
        var confirmed = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var waiting = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var later = await api.BookAsync(scene.Company, scene.SubscriptionId, laterSlot.Id);
        await api.CaughtUpAsync(Shard);
        var client = scene.Club.Client;

        async Task<string[]> Listed(string query) => [.. (await client.ListAsync<BookingResponse>($"/v1/bookings?{query}")).Data.Select(b => b.Id)];

        (await Listed("status=waitlisted")).ShouldBe([waiting.Id]);
        (await Listed("status=confirmed")).ShouldBe([later.Id, confirmed.Id]);
        (await Listed($"slotId={scene.SlotId}")).ShouldBe([waiting.Id, confirmed.Id]);
        (await Listed($"offerId={scene.OfferId}&status=confirmed&slotId={laterSlot.Id}")).ShouldBe([later.Id]);
        (await Listed($"offerId={Common.Ids.New(Common.Ids.Offer)}")).ShouldBeEmpty();
        var from = Uri.EscapeDataString(laterSlot.Start.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        (await Listed($"from={from}")).ShouldBe([later.Id]);
        (await Listed($"to={from}")).ShouldBe([waiting.Id, confirmed.Id]);
    }

    [Fact]
    public async Task Bookings_are_selected_by_the_attendance_recorded_or_by_none_recorded_yet()
    {
        var scene = await SceneAsync(capacity: 5);
        var came = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var missed = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var pending = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        await using (var started = api.WithClock(new FakeClock(came.SlotStart.AddMinutes(30))))
        {
            foreach (var (booking, outcome) in new[] { (came, AttendanceOutcome.Attended), (missed, AttendanceOutcome.NoShow) })
            {
                var recorded = await started.ClientFor(scene.Provider).PostAsJsonAsync($"/v1/bookings/{booking.Id}/attendance", new RecordAttendanceRequest(outcome), ApiFixture.JsonOptions);
                recorded.StatusCode.ShouldBe(HttpStatusCode.OK, await recorded.Content.ReadAsStringAsync());
            }
        }
        await api.CaughtUpAsync(Shard);

        async Task<string[]> Listed(string query) => [.. (await scene.Provider.Client.ListAsync<BookingResponse>($"/v1/bookings?{query}")).Data.Select(b => b.Id)];

        (await Listed("attendance=attended")).ShouldBe([came.Id]);
        (await Listed("attendance=no_show")).ShouldBe([missed.Id]);
        (await Listed($"attendance=none&status=confirmed&slotId={scene.SlotId}")).ShouldBe([pending.Id]);
    }

    [Fact]
    public async Task A_beneficiarys_bookings_are_listed_by_the_reference_their_company_gave_within_what_the_caller_sees()
    {
        var scene = await SceneAsync();
        var otherCompany = await api.RegisterMemberAsync(scene.Club);
        var otherSubscription = await api.SubscribeAsync(otherCompany, scene.OfferId);
        var first = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId, beneficiaryRef: "hr-17");
        await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId, beneficiaryRef: "hr-18");
        var nextDay = await api.ScheduleSlotAsync(scene.Club, scene.OfferId, OffersAndSlots.InDays(4));
        var second = await api.BookAsync(scene.Company, scene.SubscriptionId, nextDay.Id, beneficiaryRef: "hr-17");
        var sameRefElsewhere = await api.BookAsync(otherCompany, otherSubscription.Id, scene.SlotId, beneficiaryRef: "hr-17");
        await api.CaughtUpAsync(Shard);

        async Task<string[]> Listed(Actor actor, string query) => [.. (await actor.Client.ListAsync<BookingResponse>($"/v1/bookings?{query}")).Data.Select(b => b.Id)];

        (await Listed(scene.Company, "beneficiaryRef=hr-17")).ShouldBe([second.Id, first.Id]);
        (await Listed(otherCompany, "beneficiaryRef=hr-17")).ShouldBe([sameRefElsewhere.Id]);
        (await Listed(scene.Club, "beneficiaryRef=hr-17")).ShouldBe([sameRefElsewhere.Id, second.Id, first.Id]);
        (await Listed(scene.Club, $"beneficiaryRef=hr-17&companyId={scene.Company.Id}")).ShouldBe([second.Id, first.Id]);
        (await Listed(scene.Company, "beneficiaryRef=hr-99")).ShouldBeEmpty();
        await (await scene.Company.Client.GetAsync("/v1/bookings?beneficiaryRef=jean%40example.org")).ShouldBeInvalidAsync("beneficiaryRef");
    }

    [Fact]
    public async Task Every_combination_of_filters_lists_the_bookings_matching_all_of_them_page_after_page()
    {
        // Each filter is a condition of its own in the statement, numbered as given: a combination
        // must bind every value to its own condition, whatever the others present.
        var club = await api.RegisterAsync(OrganizationKind.Club);
        string[] offers = [Ids.New(Ids.Offer), Ids.New(Ids.Offer)];
        string[] companies = [Ids.New(Ids.Organization), Ids.New(Ids.Organization)];
        var at = DateTimeOffset.UtcNow;
        foreach (var offerId in offers)
        {
            await api.AppendAsync(Offer.StreamId(offerId), Offer.StreamType, new OfferPublished(offerId, club.Id, Category.Mobility, "Shuttle", "d",
                ["grand-figeac"], "Europe/Paris", Money.Euros(0), Money.Euros(100), null, [], at));
        }
        var slots = Enumerable.Range(0, 4).Select(i => (Id: Ids.New(Ids.Slot), OfferId: offers[i % 2], Start: at.AddDays(i + 1))).ToArray();
        var rows = new List<(string Id, string Company, string Offer, string Slot, DateTimeOffset Start, string Ref, string Status, string Attendance)>();
        for (var i = 0; i < 18; i++)
        {
            var (id, slot, company, beneficiaryRef) = (Ids.New(Ids.Booking), slots[i % 4], companies[i / 3 % 2], $"ref-{i % 3}");
            object[] outcome = (i % 5) switch
            {
                0 => [],
                1 => [new BookingConfirmed()],
                2 => [new BookingConfirmed(), new AttendanceRecorded(AttendanceOutcome.Attended, club.Id)],
                3 => [new BookingConfirmed(), new AttendanceRecorded(AttendanceOutcome.NoShow, club.Id)],
                _ => [new BookingCancelled(CancellationReason.OnRequest)],
            };
            await api.AppendAsync(Booking.StreamId(id), Booking.StreamType,
                [new BookingRequested(id, company, Ids.New(Ids.Subscription), slot.OfferId, slot.Id, slot.Start, 1, beneficiaryRef, at.AddMinutes(i)), .. outcome]);
            rows.Add((id, company, slot.OfferId, slot.Id, slot.Start, beneficiaryRef, (i % 5) switch { 0 => "requested", 4 => "cancelled", _ => "confirmed" },
                (i % 5) switch { 2 => "attended", 3 => "no_show", _ => "none" }));
        }
        await api.CaughtUpAsync(Shard);
        static string Instant(DateTimeOffset instant) => Uri.EscapeDataString(instant.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        var filters = new (string Query, Func<(string Id, string Company, string Offer, string Slot, DateTimeOffset Start, string Ref, string Status, string Attendance), bool> Holds)[]
        {
            ("status=confirmed", r => r.Status == "confirmed"),
            ($"slotId={slots[0].Id}", r => r.Slot == slots[0].Id),
            ($"offerId={offers[0]}", r => r.Offer == offers[0]),
            ($"companyId={companies[0]}", r => r.Company == companies[0]),
            ($"from={Instant(slots[1].Start)}", r => r.Start >= slots[1].Start),
            ($"to={Instant(slots[3].Start)}", r => r.Start < slots[3].Start),
            ("beneficiaryRef=ref-0", r => r.Ref == "ref-0"),
            ("attendance=none", r => r.Attendance == "none"),
        };

        for (var combination = 0; combination < 1 << filters.Length; combination++)
        {
            var given = filters.Where((_, i) => (combination & 1 << i) != 0).ToArray();
            var expected = rows.Where(r => given.All(f => f.Holds(r))).Reverse().Select(r => r.Id); // newest requested first
            var listed = new List<string>();
            string? next = null;
            do
            {
                var page = await club.Client.ListAsync<BookingResponse>(
                    $"/v1/bookings?limit=5&{string.Join('&', given.Select(f => f.Query))}{(next is null ? "" : $"&after={next}")}");
                listed.AddRange(page.Data.Select(b => b.Id));
                next = page.Next;
            } while (next is not null);
            listed.ShouldBe(expected, string.Join('&', given.Select(f => f.Query)));
        }
    }

    [Fact]
    public async Task A_booking_shows_when_it_was_requested_the_same_from_its_answer_its_read_and_the_list()
    {
        var scene = await SceneAsync();
        var before = DateTimeOffset.UtcNow;
        var booked = await scene.Company.PostBookingAsync(scene.SubscriptionId, scene.SlotId);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created);
        await api.CaughtUpAsync(Shard);

        // As sent, before any reader rounds it: the same text from the answer, the events and the read model.
        static string RequestedAt(JsonElement booking) => booking.GetProperty("requestedAt").GetString()!;
        var answered = JsonDocument.Parse(await booked.Content.ReadAsStringAsync()).RootElement;
        DateTimeOffset.Parse(RequestedAt(answered), CultureInfo.InvariantCulture).ShouldBeInRange(before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        var read = JsonDocument.Parse(await scene.Company.Client.GetStringAsync($"/v1/bookings/{answered.GetProperty("id").GetString()}")).RootElement;
        var listed = JsonDocument.Parse(await scene.Company.Client.GetStringAsync($"/v1/bookings?slotId={scene.SlotId}")).RootElement.GetProperty("data").EnumerateArray().ShouldHaveSingleItem();
        RequestedAt(read).ShouldBe(RequestedAt(answered));
        RequestedAt(listed).ShouldBe(RequestedAt(answered));
    }

    [Fact]
    public async Task Pages_never_skip_or_repeat_a_booking_while_new_bookings_are_made()
    {
        var scene = await SceneAsync(capacity: 50);
        var existing = new List<string>();
        for (var i = 0; i < 7; i++) existing.Add((await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId)).Id);
        await api.CaughtUpAsync(Shard);

        var listed = await scene.Company.Client.AllPagesAsync<BookingResponse>("/v1/bookings", pageSize: 3, async () =>
        {
            await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
            await api.CaughtUpAsync(Shard);
        });

        listed.Select(b => b.Id).ShouldBe(Enumerable.Reverse(existing));
    }

    [Fact]
    public async Task A_booking_is_listed_right_after_it_is_made_when_the_list_waits_for_its_position()
    {
        var scene = await SceneAsync();
        var booked = await scene.Company.PostBookingAsync(scene.SubscriptionId, scene.SlotId);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created);

        var listed = await scene.Company.Client.ListAsync<BookingResponse>($"/v1/bookings?minPosition={booked.Position()}");

        listed.Data.ShouldHaveSingleItem().Status.ShouldBe(BookingStatus.Confirmed);
    }

    [Fact]
    public async Task Bad_filters_are_400_naming_them_and_the_list_needs_a_key()
    {
        var scene = await SceneAsync();
        var client = scene.Company.Client;

        await (await client.GetAsync("/v1/bookings?status=attended")).ShouldBeInvalidAsync("status");
        await (await client.GetAsync("/v1/bookings?attendance=present")).ShouldBeInvalidAsync("attendance");
        await (await client.GetAsync("/v1/bookings?slotId=slot-1")).ShouldBeInvalidAsync("slotId");
        await (await client.GetAsync("/v1/bookings?offerId=x")).ShouldBeInvalidAsync("offerId");
        await (await client.GetAsync("/v1/bookings?companyId=x")).ShouldBeInvalidAsync("companyId");
        await (await client.GetAsync("/v1/bookings?limit=101")).ShouldBeInvalidAsync("limit");
        await (await client.GetAsync("/v1/bookings?after=%%%")).ShouldBeInvalidAsync("after");
        await (await client.GetAsync("/v1/bookings?minPosition=abc")).ShouldBeInvalidAsync("minPosition");
        (await api.Anonymous().GetAsync("/v1/bookings")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_cursor_of_another_list_is_400_rather_than_a_position_in_this_one()
    {
        var scene = await SceneAsync();
        await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId, beneficiaryRef: "emp-1");
        var second = await scene.Company.PostBookingAsync(scene.SubscriptionId, scene.SlotId, beneficiaryRef: "emp-2");
        var bookings = await scene.Company.Client.ListAsync<BookingResponse>($"/v1/bookings?limit=1&minPosition={second.Position()}");

        bookings.Next.ShouldNotBeNull();
        await (await scene.Company.Client.GetAsync($"/v1/offers?after={bookings.Next}")).ShouldBeInvalidAsync("after");
        await (await scene.Company.Client.GetAsync($"/v1/subscriptions?after={bookings.Next}")).ShouldBeInvalidAsync("after");
        (await scene.Company.Client.GetAsync($"/v1/bookings?after={bookings.Next}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_booking_list_rebuilt_from_the_events_equals_the_live_one()
    {
        var scene = await SceneAsync(capacity: 1);
        var first = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        await api.CancelBookingAsync(scene.Company, first.Id);
        // The bookings still live follow it; the one cancelled keeps the start it had.
        await api.RescheduleSlotAsync(scene.Club, await api.GetSlotAsync(scene.Club, scene.SlotId), Http.OffersAndSlots.InDays(3, hour: 11));
        var revised = await scene.Club.Client.PatchAsJsonAsync($"/v1/offers/{scene.OfferId}", new ReviseOfferRequest(ProviderIds: []), ApiFixture.PartialChangeOptions);
        revised.StatusCode.ShouldBe(HttpStatusCode.OK);
        var cancelled = await api.ScheduleSlotAsync(scene.Club, scene.OfferId, capacity: 1);
        await api.BookAsync(scene.Company, scene.SubscriptionId, cancelled.Id);
        await api.BookAsync(scene.Company, scene.SubscriptionId, cancelled.Id);
        await api.CancelSlotAsync(scene.Club, cancelled.Id);
        // Cancelled before SlotCancelled carried its instant: the rebuild takes the instant it was recorded, as the live shard did.
        await api.AppendAsync(Slot.StreamId((await api.ScheduleSlotAsync(scene.Club, scene.OfferId)).Id), Slot.StreamType, new SlotCancelled("Snow"));

        await api.RebuildEqualsLiveAsync(Shard, "rm_booking_offers", "rm_bookings", "rm_booking_slot_cancellations");
    }
}
