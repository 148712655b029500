using Npgsql;
using NpgsqlTypes;
using Services.Api.Listings;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Feed;

/// <summary>
/// Shard <c>feed</c>: for each audience key (<see cref="EventAudience"/>), transaction and bucket of
/// <see cref="BucketWidth"/> positions, one row of rm_feed holding the positions of that
/// transaction's events in the bucket that the audience may see, in ascending order.
/// </summary>
/// <remarks>
/// Why a cursor on this table never misses nor repeats: the daemon hands this shard the events in
/// feed order <c>(transaction_id, global_position)</c>, in pages, and each page's rows commit in one
/// transaction with the checkpoint, one page after the other (the checkpoint's compare-and-set lets
/// only one node write). So the positions a reader sees are always a prefix of the feed: whatever
/// commits later comes after every position already visible, even when a later page appends to a row
/// already there (a transaction split over two pages). Rows therefore do not depend on where pages
/// end, and a rebuild (which empties the table and fills it again) gives the same rows: a stored
/// cursor stays valid, it only waits. The price: the feed lags the writes by the projection lag (use
/// <c>minPosition</c> to wait).
/// A row per bucket rather than per event: a booking's group commit writes a few rows per audience
/// key instead of one per event and key (~11 per booking).
/// </remarks>
public sealed class FeedProjection : IProjection
{
    /// <summary>Positions per row: wide enough for a group commit's events, narrow enough that a row stays small.</summary>
    public const int BucketWidth = 256;

    internal static readonly AudienceTables Lookups = new("rm_feed");

    public string Name => FeedRegistration.FeedShard;

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(context);
        await using var batch = new PageBatch(context);
        var audiences = await Lookups.AudiencesAsync(page, context, batch, cancellationToken);
        var keys = new List<string>();
        var xids = new List<ulong>();
        var positions = new List<long>();
        for (var i = 0; i < page.Count; i++)
        {
            foreach (var key in audiences[i])
            {
                keys.Add(key);
                xids.Add(page[i].Position.TransactionId);
                positions.Add(page[i].Position.GlobalPosition);
            }
        }
        // Grouped by key here, in the statement: 'on conflict do update' may touch a row once per
        // statement. A page appends only positions past the row's last one, so a page applied again
        // (its commit succeeded while the client saw it fail) changes nothing; its checkpoint update
        // then finds the position moved and the shard is handed over as lost.
        if (keys.Count > 0)
        {
            batch.Add($"""
                insert into rm_feed (audience, transaction_id, bucket, positions)
                select audience, transaction_id, global_position / {BucketWidth}, array_agg(global_position order by global_position)
                from unnest($1::text[], $2::xid8[], $3::bigint[]) as e(audience, transaction_id, global_position)
                group by audience, transaction_id, global_position / {BucketWidth}
                on conflict (audience, transaction_id, bucket) do update set positions = rm_feed.positions || excluded.positions
                where rm_feed.positions[cardinality(rm_feed.positions)] < excluded.positions[1]
                """,
                keys.ToArray(), new NpgsqlParameter { Value = xids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Xid8 }, positions.ToArray());
        }
        // The lookups' changes and the page's rows in one round trip.
        await batch.ExecuteAsync(cancellationToken);
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        Lookups.TruncateAsync(connection, transaction, ["rm_feed"], cancellationToken);
}
