using System.Net;
using System.Net.Http.Json;
using Services.Api.Feed;
using Services.Api.Tests.Http;
using Services.EventStore;

namespace Services.Api.Tests.Feed;

/// <summary>Reading the change feed as a client does, and what its stored rows must hold.</summary>
internal static class FeedReading
{
    /// <summary>The feed's rows as (audience, transaction, position): a rebuild pages the events differently, so it may group them in other rows.</summary>
    public const string FeedEntries = "rm_feed_entries";

    /// <summary>
    /// The audience lookups of shard 'feed' (prefix rm_feed) or 'webhook-outbox' (rm_outbox), written out from the
    /// migrations (not taken from the code) so that a lookup the code forgets to reset fails the rebuild tests.
    /// </summary>
    public static string[] AudienceLookups(string prefix) =>
        [$"{prefix}_offers", $"{prefix}_slots", $"{prefix}_subscriptions", $"{prefix}_bookings", $"{prefix}_needs", $"{prefix}_beneficiaries"];

    /// <summary>
    /// Reads the feed from <paramref name="after"/> until a page brings nothing: an empty page, or with <paramref name="types"/>
    /// one that neither brings events nor moves next (an empty filtered page may move it). Asserts that next is always set.
    /// </summary>
    public static async Task<(List<EventResponse> Events, string Next)> ReadAllAsync(HttpClient client, string? after = null, int limit = 100, string? types = null)
    {
        var events = new List<EventResponse>();
        for (var pages = 0; pages < 1000; pages++)
        {
            var page = await PageAsync(client, after, limit, types);
            page.Next.ShouldNotBeNullOrEmpty();
            if (page.Data.Count == 0 && (types is null || page.Next == (after ?? FeedCursor.Encode(FeedPosition.Start))))
            {
                if (after is not null) page.Next.ShouldBe(after);
                return (events, page.Next);
            }
            events.AddRange(page.Data);
            after = page.Next;
        }
        throw new InvalidOperationException("too many pages");
    }

    public static async Task<EventPage> PageAsync(HttpClient client, string? after, int limit, string? types = null)
    {
        var read = await client.GetAsync($"/v1/events?limit={limit}" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}")
            + (types is null ? "" : $"&types={Uri.EscapeDataString(types)}"));
        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        return (await read.Content.ReadFromJsonAsync<EventPage>(ApiFixture.JsonOptions))!;
    }

    public static FeedPosition Position(EventResponse e) => FeedPosition.TryParse(e.Position, out var p) ? p : throw new FormatException(e.Position);

    public static void ShouldBeInFeedOrder(IReadOnlyList<EventResponse> events)
    {
        for (var i = 1; i < events.Count; i++) Position(events[i]).ShouldBeGreaterThan(Position(events[i - 1]));
        events.Select(e => e.Id).Distinct().Count().ShouldBe(events.Count);
    }

    /// <summary>
    /// The rows of each audience and transaction hold ascending positions, start at their first one, and
    /// their ranges do not interleave: the reader's paging relies on it (see ListEvents).
    /// </summary>
    public static async Task FeedRowsShouldBeOrderedRunsAsync(this ApiFixture api)
    {
        (await api.CountAsync("""
            select count(*) from rm_feed
            where positions[1] <> first_position
               or positions <> array(select p from unnest(positions) p order by p)
            """)).ShouldBe(0, "rows whose positions are not ascending from first_position");
        (await api.CountAsync("""
            select count(*) from (
                select positions[cardinality(positions)] as last_position,
                       lead(first_position) over (partition by audience, transaction_id order by first_position) as next_first
                from rm_feed) runs
            where next_first <= last_position
            """)).ShouldBe(0, "rows of one audience and transaction whose ranges interleave");
    }
}
