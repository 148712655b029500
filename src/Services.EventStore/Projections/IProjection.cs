using Npgsql;

namespace Services.EventStore.Projections;

/// <summary>
/// A projection (or reaction) run by the <see cref="ProjectionDaemon"/> as a named shard with its
/// own checkpoint. Each page of events is applied in one transaction that also moves the shard's
/// checkpoint, so read models inside PostgreSQL are updated exactly once.
/// </summary>
/// <remarks>
/// Rules for implementations:
/// <list type="bullet">
/// <item>Write only through <see cref="ProjectionContext.Connection"/> and <see cref="ProjectionContext.Transaction"/>;
/// never commit, roll back or open another connection for read-model rows.</item>
/// <item>Never read the clock: use <see cref="RecordedEvent.Timestamp"/>, so a rebuild ends equal to the live model.</item>
/// <item>Be deterministic: the same events give the same rows however they are split into pages.</item>
/// <item>Side effects outside the database go to an outbox table written in the same transaction.</item>
/// <item>Throwing fails the whole page (it is rolled back and retried); an event that keeps failing is
/// dead-lettered (or, during a rebuild, stops the shard).</item>
/// </list>
/// </remarks>
public interface IProjection
{
    /// <summary>The shard's name: its checkpoint row in <c>es_checkpoints</c>. Stable; never reuse one for another model.</summary>
    string Name { get; }

    /// <summary>Applies a page of events, in feed order, inside the page's transaction.</summary>
    Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Empties the read model (typically <c>create table if not exists …</c> then <c>truncate …</c>), in the
    /// transaction that also sets the checkpoint back to the start of the feed. Called by a rebuild, and
    /// when a shard starts at the start of the feed, so it is also where a projection may create its tables.
    /// </summary>
    Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);
}

/// <summary>What a projection gets with each page: the transaction its writes must join.</summary>
public sealed class ProjectionContext
{
    internal ProjectionContext(string shardName, NpgsqlConnection connection, NpgsqlTransaction transaction, bool isRebuilding)
    {
        ShardName = shardName;
        Connection = connection;
        Transaction = transaction;
        IsRebuilding = isRebuilding;
    }

    public string ShardName { get; }

    public NpgsqlConnection Connection { get; }

    /// <summary>The page's transaction; it commits together with the checkpoint.</summary>
    public NpgsqlTransaction Transaction { get; }

    /// <summary>True while the shard catches up after a rebuild.</summary>
    public bool IsRebuilding { get; }

    /// <summary>A command on the page's connection and transaction.</summary>
    public NpgsqlCommand CreateCommand(string sql) => new(sql, Connection, Transaction);
}
