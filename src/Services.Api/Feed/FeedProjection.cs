using Npgsql;
using NpgsqlTypes;
using Services.Api.Catalog;
using Services.Api.ReadModels;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Feed;

/// <summary>
/// Shard <c>feed</c>: for each page, audience key (<see cref="EventAudience"/>) and transaction, one
/// row of rm_feed holding the positions of that transaction's events in the page that the audience
/// may see, in ascending order, keyed by the first of them.
/// </summary>
/// <remarks>
/// Why a cursor on this table never misses nor repeats: the daemon hands this shard the events in
/// feed order <c>(transaction_id, global_position)</c>, in pages, and each page's rows commit in one
/// transaction with the checkpoint, one page after the other (the checkpoint's compare-and-set lets
/// only one node write). So the positions a reader sees are always a prefix of the feed: whatever
/// commits later comes after every position already visible. Rows are only ever inserted (an
/// update would leave free space behind that later inserts scatter into, and each first write to a
/// page after a checkpoint copies the whole page to the WAL). Where pages end decides how a
/// transaction's positions are split into rows, so a rebuild (which empties the table and fills it
/// again) gives the same audience and positions, not always the same rows: a stored cursor is a
/// position and stays valid, it only waits. The price: the feed lags the writes by the projection
/// lag (use <c>minPosition</c> to wait).
/// A row per transaction rather than per event: a booking's group commit writes one row per audience
/// key instead of one per event and key (~11 per booking).
/// </remarks>
public sealed class FeedProjection : IProjection
{
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
        // A plain insert, without 'on conflict': a page is applied once (its rows commit with the
        // checkpoint) and a rebuild empties the table first, so a row is never there already. Should a
        // commit succeed while the client sees it fail on a live connection, the replayed page fails
        // on the key; after the daemon's retries its checkpoint update finds the position moved and
        // the shard is handed over as lost (during a rebuild, the shard stops as failed instead).
        if (keys.Count > 0)
        {
            batch.Add("""
                insert into rm_feed (audience, transaction_id, first_position, positions)
                select audience, transaction_id, min(global_position), array_agg(global_position order by global_position)
                from unnest($1::text[], $2::xid8[], $3::bigint[]) as e(audience, transaction_id, global_position)
                group by audience, transaction_id
                """,
                keys.ToArray(), new NpgsqlParameter { Value = xids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Xid8 }, positions.ToArray());
        }
        // The lookups' changes and the page's rows in one round trip.
        await batch.ExecuteAsync(cancellationToken);
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        Lookups.TruncateAsync(connection, transaction, ["rm_feed"], cancellationToken);
}
