using System.Net;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.EventStore;
using static Services.Api.Tests.Feed.FeedReading;

namespace Services.Api.Tests.Feed;

/// <summary>
/// The change feed filtered by event types: the events of those types the caller would read unfiltered, in the same order,
/// however the pages are cut, although a page scans a bounded number of events and may come back short or empty.
/// </summary>
public sealed class FeedTypeFilterHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Shard = FeedRegistration.FeedShard;

    /// <param name="Start">The feed's end before the scene: reading from it sees only the scene's events (and other tests').</param>
    private sealed record Scene(string Start, Actor Club, Actor Company, Actor OtherCompany, string BookingId);

    /// <summary>
    /// A booking made and cancelled behind a run of offer events longer than a filtered page of 2 scans (20): a page
    /// that asks for bookings from the scene's start scans only offer events.
    /// </summary>
    private async Task<Scene> SceneAsync()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterMemberAsync(club);
        var other = await api.RegisterMemberAsync(club);
        var offer = await api.PublishOfferAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: 5);
        var start = (await PageAsync(api.Operator, ListEventsEndpoint.Now, 1)).Next;
        var offers = Enumerable.Range(0, 15)
            .Select(_ => new StreamAppend($"offer-{Ids.New(Ids.Offer)}", "offer", ExpectedVersion.NoStream, [new Api.Offers.OfferResumed(), new Api.Offers.OfferWithdrawn()]))
            .ToList();
        await api.Service<EventStore.EventStore>().AppendAsync(offers);
        var booking = await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CancelBookingAsync(company, booking.Id);
        await api.CaughtUpAsync(Shard);
        return new Scene(start, club, company, other, booking.Id);
    }

    [Theory]
    [InlineData("booking.confirmed")]
    [InlineData("booking.*")]
    [InlineData("booking.requested,booking.cancelled,slot.*")]
    [InlineData(" offer.withdrawn , booking.* ")]
    [InlineData("*")]
    public async Task Every_page_size_reads_the_unfiltered_feeds_events_of_those_types_once_in_order(string types)
    {
        var s = await SceneAsync();
        string[] patterns = [.. types.Split(',', StringSplitOptions.TrimEntries)];

        foreach (var reader in new[] { s.Company.Client, s.Club.Client, s.OtherCompany.Client, api.Operator })
        {
            var all = (await ReadAllAsync(reader, s.Start, limit: 500)).Events;
            var expected = all.Where(e => patterns.Any(pattern => ReceivableEventTypes.Matches(pattern, e.Type))).Select(e => e.Id).ToList();
            if (reader != s.OtherCompany.Client) expected.ShouldNotBeEmpty(types);
            foreach (var limit in new[] { 1, 3 })
            {
                var (read, _) = await ReadAllAsync(reader, s.Start, limit, types);
                read.Select(e => e.Id).ShouldBe(expected, $"types {types}, limit {limit}");
            }
        }
    }

    [Fact]
    public async Task A_page_that_scans_only_other_types_comes_back_empty_and_its_next_moves_on_to_the_wanted_events()
    {
        var s = await SceneAsync();

        var first = await PageAsync(s.Company.Client, s.Start, 2, "booking.*");

        first.Data.ShouldBeEmpty();
        first.Next.ShouldNotBe(s.Start);
        FeedCursor.TryDecode(first.Next, out var scanned).ShouldBeTrue();
        FeedCursor.TryDecode(s.Start, out var start).ShouldBeTrue();
        scanned.ShouldBeGreaterThan(start);
        var (rest, _) = await ReadAllAsync(s.Company.Client, first.Next, 2, "booking.*");
        rest.Select(e => e.Type).ShouldBe(["booking.requested", "booking.confirmed", "booking.cancelled"]);
        rest.ShouldAllBe(e => e.Subject.Id == s.BookingId);
    }

    [Fact]
    public async Task Another_companys_filtered_feed_never_shows_the_booking()
    {
        var s = await SceneAsync();

        var (other, _) = await ReadAllAsync(s.OtherCompany.Client, s.Start, 1, "booking.*");
        var (company, _) = await ReadAllAsync(s.Company.Client, s.Start, 1, "booking.*");

        other.ShouldBeEmpty();
        company.ShouldContain(e => e.Subject.Id == s.BookingId);
    }

    [Fact]
    public async Task After_now_with_types_reads_the_wanted_events_written_since()
    {
        var s = await SceneAsync();

        var now = await PageAsync(s.Company.Client, ListEventsEndpoint.Now, 10, "booking.*");
        var offer = await api.PublishOfferAsync(s.Club);
        var slot = await api.ScheduleSlotAsync(s.Club, offer.Id);
        var booking = await api.BookAsync(s.Company, (await api.SubscribeAsync(s.Company, offer.Id)).Id, slot.Id);
        await api.CaughtUpAsync(Shard);

        now.Data.ShouldBeEmpty();
        var (since, _) = await ReadAllAsync(s.Company.Client, now.Next, 10, "booking.*");
        since.ShouldNotBeEmpty();
        since.ShouldAllBe(e => e.Type.StartsWith("booking.", StringComparison.Ordinal));
        since.Select(e => e.Subject.Id).Distinct().ShouldBe([booking.Id]);
    }

    [Fact]
    public async Task Types_repeated_as_parameters_read_as_one_list()
    {
        var s = await SceneAsync();

        var read = await s.Company.Client.GetAsync($"/v1/events?limit=500&after={Uri.EscapeDataString(s.Start)}&types=booking.confirmed&types=booking.cancelled");

        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        var page = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<EventPage>(read.Content, ApiFixture.JsonOptions))!;
        page.Data.Select(e => e.Type).ShouldBe(["booking.confirmed", "booking.cancelled"]);
    }

    [Theory]
    [InlineData("booking.confirmed,booking.exploded", "'booking.exploded'")]
    [InlineData("bookings", "'bookings'")]
    [InlineData("slot.waitlist_left", "'slot.waitlist_left'")] // the offer's club and providers only
    [InlineData("demo.*", "'demo.*'")] // the operator's only
    [InlineData("booking.confirmed,", "''")]
    public async Task A_type_the_caller_never_reads_is_refused_naming_it_and_the_types_it_reads(string types, string named)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var problem = await (await company.Client.GetAsync($"/v1/events?types={Uri.EscapeDataString(types)}")).ShouldBeInvalidAsync("types");

        var message = problem.GetProperty("errors").GetProperty("types").EnumerateArray().Single().GetString()!;
        message.ShouldContain(named);
        message.ShouldContain("a company");
        message.ShouldContain("booking.*");
        message.ShouldContain("offer.*");
    }
}
