using Npgsql;

namespace Services.EventStore;

/// <summary>The one statement that reads the global feed; shared by readers and the projection daemon.</summary>
public static class FeedQuery
{
    public const int MaxPageSize = 10_000;

    /// <summary>
    /// The condition on es_events of the feed's rows: every transaction below the snapshot's xmin has finished, so
    /// whatever is read under it can never be overtaken by an event committing later behind it. Rolled-back rows are
    /// never visible. Readers that query the events themselves (the change feed's filtered pages) use it too.
    /// </summary>
    public const string Finished = "transaction_id < pg_snapshot_xmin(pg_current_snapshot())";

    private const string PageSql = $"""
        select {EventRows.Columns} from es_events
        where (transaction_id, global_position) > ($1, $2)
          and {Finished}
        order by transaction_id, global_position
        limit $3
        """;

    private const string HeadSql = $"""
        select transaction_id, global_position from es_events
        where {Finished}
        order by transaction_id desc, global_position desc
        limit 1
        """;

    public static async Task<FeedPage> ReadPageAsync(NpgsqlConnection connection, FeedPosition after, int limit, EventTypeRegistry registry, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        await using var command = new NpgsqlCommand(PageSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = after.TransactionId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter { Value = after.GlobalPosition });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var events = await EventRows.ReadAllAsync(command, registry, cancellationToken);
        return new FeedPage(events, events.Count == 0 ? after : events[^1].Position);
    }

    public static async Task<FeedPosition> ReadHeadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(HeadSql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1))
            : FeedPosition.Start;
    }
}
