using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Organizations;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.EventStore;
using static Services.Api.Tests.Feed.FeedReading;

namespace Services.Api.Tests.Feed;

public sealed class ChangeFeedHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Shard = FeedRegistration.FeedShard;

    private static string Territory() => "feed-" + Guid.NewGuid().ToString("N")[..10];

    private sealed record Scene(Actor Club, Actor Provider, Actor Company, Actor OtherCompany, Actor Partner, Actor FarClub,
        string OfferId, string SlotId, string BookingId, string NeedId, string SubscriptionId);

    private async Task<Scene> SceneAsync()
    {
        var territory = Territory();
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var provider = await api.RegisterAsync(OrganizationKind.Provider, territory);
        var partner = await api.RegisterAsync(OrganizationKind.Partner, territory);
        var farClub = await api.RegisterAsync(OrganizationKind.Club, Territory());
        var offer = await api.PublishOfferAsync(club, territory: territory, providerIds: [provider.Id]);
        var company = await api.RegisterMemberAsync(club, territory);
        var other = await api.RegisterMemberAsync(club, territory);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: 5);
        var booking = await api.BookAsync(company, subscription.Id, slot.Id);
        var need = await api.RecordNeedAsync(company, territory: territory);
        await api.CaughtUpAsync(Shard);
        return new Scene(club, provider, company, other, partner, farClub, offer.Id, slot.Id, booking.Id, need.Id, subscription.Id);
    }

    [Fact]
    public async Task Each_organization_reads_only_the_events_it_may_see()
    {
        var s = await SceneAsync();
        var bookingStream = $"booking-{s.BookingId}";
        var slotStream = $"slot-{s.SlotId}";
        var needStream = $"need-{s.NeedId}";
        var subscriptionStream = $"subscription-{s.SubscriptionId}";

        var company = (await ReadAllAsync(s.Company.Client)).Events;
        var other = (await ReadAllAsync(s.OtherCompany.Client)).Events;
        var club = (await ReadAllAsync(s.Club.Client)).Events;
        var provider = (await ReadAllAsync(s.Provider.Client)).Events;
        var partner = (await ReadAllAsync(s.Partner.Client)).Events;
        var farClub = (await ReadAllAsync(s.FarClub.Client)).Events;
        var all = (await ReadAllAsync(api.Operator, limit: 500)).Events;
        foreach (var feed in new[] { company, other, club, provider, partner, farClub, all }) ShouldBeInFeedOrder(feed);

        // Public: the offer and its slot's schedule reach every organization.
        foreach (var feed in new[] { company, other, club, provider, partner, farClub })
        {
            feed.ShouldContain(e => e.Type == "offer.published" && e.StreamId == $"offer-{s.OfferId}");
            feed.ShouldContain(e => e.Type == "slot.scheduled" && e.StreamId == slotStream);
        }
        // Booking: company, club, provider; not another company, nor the partner.
        foreach (var feed in new[] { company, club, provider }) feed.ShouldContain(e => e.StreamId == bookingStream && e.Type == "booking.confirmed");
        foreach (var feed in new[] { other, partner, farClub }) feed.ShouldNotContain(e => e.StreamId == bookingStream);
        // Seats: the club and provider, and the company named.
        foreach (var feed in new[] { company, club, provider }) feed.ShouldContain(e => e.StreamId == slotStream && e.Type == "slot.seat_reserved");
        other.ShouldNotContain(e => e.Type == "slot.seat_reserved");
        // Subscription: the company and the club only.
        foreach (var feed in new[] { company, club }) feed.ShouldContain(e => e.StreamId == subscriptionStream && e.Type == "subscription.subscribed");
        foreach (var feed in new[] { other, provider, partner }) feed.ShouldNotContain(e => e.StreamId == subscriptionStream);
        // Need: the company, and clubs and partners of its territory.
        foreach (var feed in new[] { company, club, partner }) feed.ShouldContain(e => e.StreamId == needStream && e.Type == "need.recorded");
        foreach (var feed in new[] { other, provider, farClub }) feed.ShouldNotContain(e => e.StreamId == needStream);
        // Organization events: the organization itself (membership: the club and that company), never API keys of others.
        company.ShouldContain(e => e.Type == "organization.registered" && e.StreamId == $"organization-{s.Company.Id}");
        company.ShouldContain(e => e.Type == "organization.member_admitted" && e.StreamId == $"organization-{s.Club.Id}" && e.Data.GetProperty("companyId").GetString() == s.Company.Id);
        company.ShouldNotContain(e => e.Type == "organization.member_admitted" && e.Data.GetProperty("companyId").GetString() == s.OtherCompany.Id);
        company.ShouldNotContain(e => e.Type.StartsWith("organization.", StringComparison.Ordinal) && e.StreamId != $"organization-{s.Company.Id}" && e.StreamId != $"organization-{s.Club.Id}");
        company.Where(e => e.Type == "organization.api_key_issued").Select(e => e.StreamId).Distinct().ShouldBe([$"organization-{s.Company.Id}"]);
        club.ShouldNotContain(e => e.Type == "organization.api_key_issued" && e.StreamId != $"organization-{s.Club.Id}");

        // Partners read the demand without learning which company asked, as GET /v1/needs answers them.
        club.Single(e => e.StreamId == needStream && e.Type == "need.recorded").Data.GetProperty("companyId").GetString().ShouldBe(s.Company.Id);
        var toPartner = partner.Single(e => e.StreamId == needStream && e.Type == "need.recorded");
        toPartner.Data.TryGetProperty("companyId", out _).ShouldBeFalse();
        toPartner.Data.GetProperty("headcount").GetInt32().ShouldBeGreaterThan(0);
        partner.ShouldNotContain(e => e.Data.GetRawText().Contains(s.Company.Id, StringComparison.Ordinal));

        // The operator sees everything, and each organization's feed is a subsequence of it, with the
        // same payloads (but for what partners do not see of a need).
        var byId = all.ToDictionary(e => e.Id);
        foreach (var feed in new[] { company, other, club, provider, partner, farClub })
        {
            foreach (var e in feed.Where(e => feed != partner || e.StreamId != needStream))
            {
                byId.ShouldContainKey(e.Id);
                byId[e.Id].Position.ShouldBe(e.Position);
                byId[e.Id].Data.GetRawText().ShouldBe(e.Data.GetRawText());
            }
        }
        var booked = company.First(e => e.Type == "booking.requested");
        booked.Data.GetProperty("bookingId").GetString().ShouldBe(s.BookingId);
        booked.OccurredAt.Offset.ShouldBe(TimeSpan.Zero);
        // Instants in the data are written as the API writes them everywhere, in UTC with a "Z".
        foreach (var instant in new[] { "slotStart", "requestedAt" })
            booked.Data.GetProperty(instant).GetString().ShouldEndWith("Z", Case.Sensitive, instant);
    }

    [Fact]
    public async Task Every_event_names_the_resource_it_is_about_by_its_type_and_public_id()
    {
        var s = await SceneAsync();
        const string beneficiaryRef = "feed-subject-7";
        var booked = await s.Company.Client.PostAsJsonAsync("/v1/bookings",
            new Api.Bookings.BookSeatRequest(s.SubscriptionId, s.SlotId, 1, beneficiaryRef, new Api.Beneficiaries.ContactDetails(Phone: "+33 6 12 34 56 78")), ApiFixture.JsonOptions);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        (await s.Company.Client.DeleteAsync($"/v1/beneficiaries/{beneficiaryRef}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await api.CaughtUpAsync(Shard);
        var company = (await ReadAllAsync(s.Company.Client)).Events;
        var partner = (await ReadAllAsync(s.Partner.Client)).Events;

        // One row per stream type the feed shows an organization: an event of it, and the resource it must name.
        var rows = new (IReadOnlyList<EventResponse> Feed, string Type, string StreamId, EventSubject Subject)[]
        {
            (company, "booking.confirmed", $"booking-{s.BookingId}", new("booking", s.BookingId)),
            (company, "slot.seat_reserved", $"slot-{s.SlotId}", new("slot", s.SlotId)),
            (company, "offer.published", $"offer-{s.OfferId}", new("offer", s.OfferId)),
            (company, "subscription.subscribed", $"subscription-{s.SubscriptionId}", new("subscription", s.SubscriptionId)),
            (company, "organization.registered", $"organization-{s.Company.Id}", new("organization", s.Company.Id)),
            (company, "beneficiary.erased", $"beneficiary-{s.Company.Id}/{beneficiaryRef}", new("beneficiary", beneficiaryRef)),
            // A partner reads a need without the company that recorded it, and still learns which need.
            (partner, "need.recorded", $"need-{s.NeedId}", new("need", s.NeedId)),
        };
        foreach (var (feed, type, streamId, subject) in rows)
        {
            var events = feed.Where(e => e.Type == type && e.StreamId == streamId).ToList();
            events.ShouldNotBeEmpty(type);
            foreach (var e in events) e.Subject.ShouldBe(subject, type);
        }
        partner.Single(e => e.Type == "need.recorded" && e.Subject.Id == s.NeedId).Data.TryGetProperty("companyId", out _).ShouldBeFalse();
        // And whatever the event, its subject is of the kind its name begins with.
        foreach (var e in company.Concat(partner)) e.Type.ShouldStartWith(e.Subject.Type + ".", Case.Sensitive, e.StreamId);
    }

    [Fact]
    public async Task Pages_read_while_writes_go_on_miss_nothing_repeat_nothing_and_keep_the_order()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club, Territory());
        await api.CaughtUpAsync(Shard);
        var (initial, cursor) = await ReadAllAsync(club.Client);
        var store = api.Service<EventStore.EventStore>();
        var written = new System.Collections.Concurrent.ConcurrentBag<Guid>();

        // Four writers append, each to its own streams and in many small transactions, events the club sees
        // (its own organization stream, and public offer events), while the club reads small pages.
        // The writers go in rounds of at least 7 events, and each waits before its next round for a page
        // that brought events: whatever the speed of either side, the writers cannot finish before the
        // club has read pages of events written meanwhile. Nor can it stall: a stall needs every event
        // read, yet each page (7 events at most) lets four more rounds (7 events or more each) go.
        const int rounds = 8, appendsPerRound = 5;
        using var pageOfEventsRead = new SemaphoreSlim(0);
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < rounds * appendsPerRound; i++)
            {
                if (i > 0 && i % appendsPerRound == 0 && !await pageOfEventsRead.WaitAsync(Eventually.Timeout))
                    throw new TimeoutException("the club read no page of new events");
                IReadOnlyList<object> events = i % 2 == 0 ? [new OrganizationRenamed($"Club {w}-{i}")] : [new Api.Offers.OfferResumed(), new Api.Offers.OfferWithdrawn()];
                var stream = i % 2 == 0 ? Organization.StreamId(club.Id) : $"offer-{Ids.New(Ids.Offer)}";
                var result = await store.AppendAsync(stream, i % 2 == 0 ? Organization.StreamType : "offer", ExpectedVersion.Any, events);
                foreach (var id in await EventIdsAsync(store, stream, result, events.Count)) written.Add(id);
            }
        })).ToList();

        var seen = new List<EventResponse>();
        var pagesOfEventsWhileWriting = 0;
        var all = Task.WhenAll(writers);
        while (!all.IsCompleted)
        {
            var page = await PageAsync(club.Client, cursor, 7);
            seen.AddRange(page.Data);
            cursor = page.Next;
            if (page.Data.Count == 0)
            {
                // Read again once there is something to read, not at once: a reader spinning on empty pages
                // while the feed catches up spends the key's rate limit (429).
                await Eventually.WaitUntilAsync(() => Task.FromResult(all.IsCompleted || written.Except(seen.Select(e => e.Id)).Any()), "events written and not yet read");
                await api.CaughtUpAsync(Shard);
                continue;
            }
            pagesOfEventsWhileWriting++;
            pageOfEventsRead.Release(4);
        }
        await all;
        pagesOfEventsWhileWriting.ShouldBeGreaterThanOrEqualTo(rounds - 1, "pages of events read while the writers went on");
        await api.CaughtUpAsync(Shard);
        var (rest, _) = await ReadAllAsync(club.Client, cursor, 7);
        seen.AddRange(rest);

        ShouldBeInFeedOrder([.. initial, .. seen]);
        var missed = written.Except(seen.Select(e => e.Id)).ToList();
        var extra = seen.Where(e => !written.Contains(e.Id)).Select(e => $"{e.Type} {e.StreamId} {e.Position}").ToList();
        missed.ShouldBeEmpty($"missed {missed.Count} of {written.Count}; extra: {string.Join("; ", extra)}");
        extra.ShouldBeEmpty(string.Join("; ", extra));
        seen.Count.ShouldBe(written.Count);
        // Same order as the operator's direct read of the store.
        var operatorOrder = (await ReadAllAsync(api.Operator, limit: 500)).Events.Select(e => e.Id).Where(written.Contains).ToList();
        seen.Select(e => e.Id).ShouldBe(operatorOrder);
    }

    /// <summary>The ids of the <paramref name="count"/> events one append wrote (appends to one stream may share a transaction).</summary>
    private static async Task<IEnumerable<Guid>> EventIdsAsync(EventStore.EventStore store, string stream, AppendResult result, int count)
    {
        var version = result.VersionOf(stream);
        return (await store.ReadStreamAsync(stream, version - count + 1)).Where(e => e.StreamVersion <= version).Select(e => e.EventId);
    }

    [Fact]
    public async Task A_transaction_longer_than_a_projection_page_is_read_whole_through_two_audiences_and_rebuilt_alike()
    {
        var territory = Territory();
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await api.CaughtUpAsync(Shard);
        var (_, cursor) = await ReadAllAsync(club.Client);
        var store = api.Service<EventStore.EventStore>();

        // One transaction of 600 events (a projection page holds 500), alternating between public offer
        // events and needs of the club's territory: the club sees all of them through two audience keys,
        // whose rows overlap and are split where the page ends.
        var appends = Enumerable.Range(0, 150).Select(_ => Ids.New(Ids.Need)).SelectMany(needId => new[]
        {
            new StreamAppend($"offer-{Ids.New(Ids.Offer)}", "offer", ExpectedVersion.NoStream, [new Api.Offers.OfferResumed(), new Api.Offers.OfferWithdrawn()]),
            new StreamAppend($"need-{needId}", Api.Needs.Need.StreamType, ExpectedVersion.NoStream,
                [new Api.Needs.NeedRecorded(needId, company.Id, Category.Mobility, territory, 2, "Shuttle", null, DateTimeOffset.UtcNow), new Api.Needs.NeedWithdrawn()]),
        }).ToList();
        var appended = await store.AppendAsync(appends);
        await api.CaughtUpAsync(Shard);

        var written = new List<Guid>();
        foreach (var append in appends) written.AddRange(await EventIdsAsync(store, append.StreamId, appended, append.Events.Count));
        var (read, _) = await ReadAllAsync(club.Client, cursor, limit: 7);
        read.Select(e => e.Id).Order().ShouldBe(written.Order());
        ShouldBeInFeedOrder(read);
        await api.FeedRowsShouldBeOrderedRunsAsync();
        await api.RebuildEqualsLiveAsync(Shard, [FeedEntries]);
        await api.FeedRowsShouldBeOrderedRunsAsync();
    }

    [Fact]
    public async Task A_stored_cursor_resumes_exactly_after_the_last_event_read()
    {
        var s = await SceneAsync();
        var (before, cursor) = await ReadAllAsync(s.Company.Client, limit: 3);
        var again = await PageAsync(s.Company.Client, cursor, 10);
        again.Data.ShouldBeEmpty();
        again.Next.ShouldBe(cursor);

        var cancelled = await api.CancelBookingAsync(s.Company, s.BookingId);
        cancelled.Status.ShouldBe(Api.Bookings.BookingStatus.Cancelled);
        await api.CaughtUpAsync(Shard);
        var (after, _) = await ReadAllAsync(s.Company.Client, cursor, limit: 1);
        after.Select(e => e.Type).ShouldContain("booking.cancelled");
        after.Select(e => e.Id).Intersect(before.Select(e => e.Id)).ShouldBeEmpty();
        Position(after[0]).ShouldBeGreaterThan(Position(before[^1]));
    }

    [Fact]
    public async Task After_now_skips_the_history_and_its_next_leads_to_everything_written_since()
    {
        var s = await SceneAsync();
        var (history, _) = await ReadAllAsync(s.Company.Client);
        history.ShouldNotBeEmpty();

        var now = await PageAsync(s.Company.Client, ListEventsEndpoint.Now, 500);
        var operatorNow = await PageAsync(api.Operator, ListEventsEndpoint.Now, 500);
        await api.CancelBookingAsync(s.Company, s.BookingId);
        await api.CaughtUpAsync(Shard);

        now.Data.ShouldBeEmpty();
        var (since, _) = await ReadAllAsync(s.Company.Client, now.Next);
        since.Select(e => e.Type).ShouldContain("booking.cancelled");
        var lastOfHistory = Position(history[^1]);
        since.ShouldAllBe(e => Position(e) > lastOfHistory);
        var (operatorSince, _) = await ReadAllAsync(api.Operator, operatorNow.Next);
        operatorSince.Select(e => e.Id).ShouldContain(since[0].Id);
        operatorSince.Select(e => e.Id).ShouldNotContain(history[^1].Id);
    }

    [Fact]
    public async Task After_now_gives_the_end_as_a_position_that_lists_read_at_hold_everything_before()
    {
        var s = await SceneAsync();
        var (history, _) = await ReadAllAsync(api.Operator);

        var now = await s.Company.Client.GetAsync($"/v1/events?after={ListEventsEndpoint.Now}");

        now.StatusCode.ShouldBe(HttpStatusCode.OK);
        var end = now.Headers.GetValues(Api.Infrastructure.Writes.PositionHeader).Single();
        FeedPosition.TryParse(end, out var head).ShouldBeTrue(end);
        head.ShouldBeGreaterThanOrEqualTo(Position(history[^1]));
        var listed = await s.Company.Client.ListAsync<Api.Bookings.BookingResponse>($"/v1/bookings?minPosition={Uri.EscapeDataString(end)}");
        listed.Data.Select(b => b.Id).ShouldContain(s.BookingId);
        (await s.Company.Client.GetAsync("/v1/events")).Headers.Contains(Api.Infrastructure.Writes.PositionHeader).ShouldBeFalse("only after=now gives it");
    }

    [Fact]
    public async Task Min_position_waits_for_the_callers_own_write()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var renamed = await company.Client.PatchAsJsonAsync($"/v1/organizations/{company.Id}", new RenameOrganizationRequest("Renamed for the feed"), ApiFixture.JsonOptions);
        renamed.StatusCode.ShouldBe(HttpStatusCode.OK, await renamed.Content.ReadAsStringAsync());
        var read = await company.Client.GetAsync($"/v1/events?limit=500&minPosition={renamed.Position()}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        var page = (await read.Content.ReadFromJsonAsync<EventPage>(ApiFixture.JsonOptions))!;
        page.Data.ShouldContain(e => e.Type == "organization.renamed" && e.Position == renamed.Position());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("after=not-a-cursor", "after")]
    [InlineData("after=MTIzLjQ1", "after")] // base64url of a bare "123.45": not one of our cursors
    [InlineData("minPosition=abc", "minPosition")]
    public async Task Malformed_parameters_are_refused_naming_the_field(string query, string field)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await (await company.Client.GetAsync($"/v1/events?{query}")).ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task The_feed_needs_a_key() =>
        (await api.Anonymous().GetAsync("/v1/events")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

    [Fact]
    public async Task A_rebuilt_feed_holds_the_same_entries_as_the_live_one()
    {
        await SceneAsync();
        await api.RebuildEqualsLiveAsync(Shard, [FeedEntries, .. AudienceLookups("rm_feed")]);
        await api.FeedRowsShouldBeOrderedRunsAsync();
    }
}
