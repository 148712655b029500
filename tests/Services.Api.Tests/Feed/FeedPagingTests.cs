using Npgsql;
using NpgsqlTypes;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Organizations;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.EventStore;

namespace Services.Api.Tests.Feed;

/// <summary>
/// The change feed's reading against rows cut every way a projection page can cut them: several of the
/// caller's audience keys, each with its own runs of one transaction's positions, overlapping and
/// sharing events. A database of its own: these rows are written by the test, not by the shard.
/// </summary>
public sealed class FeedPagingTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Every_page_size_reads_each_visible_event_once_in_order_however_the_rows_are_cut()
    {
        var (_, readers, cursor, events, audiences) = await OfferEventsAsync(keys: 6);
        var xid = events[0].Position.TransactionId;

        for (var seed = 0; seed < readers.Count; seed++)
        {
            var random = new Random(seed);
            var rows = new List<(string Audience, long[] Positions)>();
            var visible = new SortedSet<long>();
            foreach (var audience in audiences)
            {
                var positions = events.Select(e => e.Position.GlobalPosition).Where(_ => random.NextDouble() < 0.6).ToList();
                visible.UnionWith(positions);
                for (var i = 0; i < positions.Count;)
                {
                    var run = Math.Min(random.Next(1, 6), positions.Count - i);
                    rows.Add((audience, [.. positions.Skip(i).Take(run)]));
                    i += run;
                }
            }
            await ReplaceRowsAsync(xid, rows);
            var expected = events.Where(e => visible.Contains(e.Position.GlobalPosition)).Select(e => e.EventId).ToList();
            // A key of its own per seed: all seeds' pages are more than a key's rate limit lets through at once.
            var reader = readers[seed];

            foreach (var limit in new[] { 1, 2, 3, 5 })
            {
                var (read, _) = await FeedReading.ReadAllAsync(reader, cursor, limit);
                read.Select(e => e.Id).ShouldBe(expected, $"seed {seed}, limit {limit}");
            }
            // Filtered, a page scans 10 × limit events: more than the rows a page reads unfiltered.
            var withdrawn = events.Where(e => visible.Contains(e.Position.GlobalPosition) && e.EventType == "offer.withdrawn").Select(e => e.EventId).ToList();
            foreach (var limit in new[] { 1, 2 })
            {
                var (read, _) = await FeedReading.ReadAllAsync(reader, cursor, limit, "offer.withdrawn");
                read.Select(e => e.Id).ShouldBe(withdrawn, $"seed {seed}, limit {limit}, offer.withdrawn");
            }
        }
    }

    [Fact]
    public async Task A_filtered_page_scans_past_the_rows_an_unfiltered_page_would_read()
    {
        var (club, _, cursor, events, audiences) = await OfferEventsAsync();
        events[0].EventType.ShouldBe("offer.resumed");
        events[1].EventType.ShouldBe("offer.withdrawn");
        long[] positions = [.. events.Take(4).Select(e => e.Position.GlobalPosition)];
        // The club's own key holds the first withdrawal in its second row; the public key's first row holds a later one.
        await ReplaceRowsAsync(events[0].Position.TransactionId,
            [(audiences[0], [positions[0]]), (audiences[0], [positions[1]]), (audiences[1], [positions[2], positions[3]])]);

        var (read, _) = await FeedReading.ReadAllAsync(club.Client, cursor, 1, "offer.withdrawn");

        read.Select(e => e.Id).ShouldBe([events[1].EventId, events[3].EventId]);
    }

    /// <summary>
    /// A club, <paramref name="keys"/> more clients on keys of its own (issued before the cursor: their events are not
    /// among those read), the feed's cursor before them, and ten offers' resumed then withdrawn events, in one transaction.
    /// </summary>
    private async Task<(Actor Club, IReadOnlyList<HttpClient> Readers, string Cursor, List<RecordedEvent> Events, string[] Audiences)> OfferEventsAsync(int keys = 0)
    {
        var territory = "paging-" + Guid.NewGuid().ToString("N")[..8];
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var readers = new List<HttpClient>();
        for (var i = 0; i < keys; i++)
        {
            var issued = (await new Services.Client.ServicesClient(club.Client).IssueApiKeyAsync(club.Id, new Services.Client.Models.IssueApiKeyRequest { Label = $"reader {i}" })).Value;
            readers.Add(api.ClientWithKey(issued.Key));
        }
        await api.CaughtUpAsync(FeedRegistration.FeedShard);
        var (_, cursor) = await FeedReading.ReadAllAsync(club.Client);
        var store = api.Service<EventStore.EventStore>();
        var appends = Enumerable.Range(0, 10)
            .Select(_ => new StreamAppend($"offer-{Ids.New(Ids.Offer)}", "offer", ExpectedVersion.NoStream, [new Api.Offers.OfferResumed(), new Api.Offers.OfferWithdrawn()]))
            .ToList();
        await store.AppendAsync(appends);
        await api.CaughtUpAsync(FeedRegistration.FeedShard);
        var events = new List<RecordedEvent>();
        foreach (var append in appends) events.AddRange(await store.ReadStreamAsync(append.StreamId));
        return (club, readers, cursor, [.. events.OrderBy(e => e.Position.GlobalPosition)], [club.Id, EventAudience.Everyone, EventAudience.Territory(territory)]);
    }

    private async Task ReplaceRowsAsync(ulong xid, IReadOnlyList<(string Audience, long[] Positions)> rows)
    {
        await using var connection = await api.Service<NpgsqlDataSource>().OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var delete = new NpgsqlCommand("delete from rm_feed where transaction_id = $1", connection, transaction))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = xid, NpgsqlDbType = NpgsqlDbType.Xid8 });
            await delete.ExecuteNonQueryAsync();
        }
        foreach (var (audience, positions) in rows)
        {
            await using var insert = new NpgsqlCommand("insert into rm_feed (audience, transaction_id, first_position, positions) values ($1, $2, $3, $4)", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = audience });
            insert.Parameters.Add(new NpgsqlParameter { Value = xid, NpgsqlDbType = NpgsqlDbType.Xid8 });
            insert.Parameters.Add(new NpgsqlParameter { Value = positions[0] });
            insert.Parameters.Add(new NpgsqlParameter { Value = positions });
            await insert.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }
}
