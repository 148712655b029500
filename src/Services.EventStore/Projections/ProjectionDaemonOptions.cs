namespace Services.EventStore.Projections;

public sealed class ProjectionDaemonOptions
{
    /// <summary>This node's name, written to <c>es_checkpoints.owner</c>. Unique per running daemon.</summary>
    public string NodeId { get; init; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Events per page: one transaction per page.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>How long an idle shard waits for a wake-up before it reads the feed again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The shortest time between the starts of two pages of a caught-up shard: commits arriving
    /// meanwhile are applied together. Adds at most this much to the lag of a quiet shard.
    /// </summary>
    public TimeSpan MinPageInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Every page costs each shard a transaction, however few events it holds: while commits keep
    /// coming, a caught-up shard lets this many events gather before its next page, waiting at
    /// most until <see cref="MaxPageInterval"/> after the start of its last page. A shard whose last
    /// page is older than that (a quiet feed) starts at once. Above <see cref="PageSize"/>, a page's worth is the target.
    /// At 300, the HTTP bench's ~5,000 events/s make a page every 40 ms instead of every ~20 (at
    /// 100): 0.54 instead of 0.63 transactions per booking and ~10% less PostgreSQL CPU, for up to
    /// ~20 ms more projection lag under a steady load (see ops/PERFORMANCE.md).
    /// </summary>
    public int PageTarget { get; init; } = 300;

    /// <summary>The longest a caught-up shard waits for <see cref="PageTarget"/> events, from the start of its last page.</summary>
    public TimeSpan MaxPageInterval { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>How often a node counts live nodes, renews its leases and tries to acquire unowned shards.</summary>
    public TimeSpan AcquireInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A shard unowned for this long is taken by any node, even beyond its fair share.</summary>
    public TimeSpan UnownedGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Written to <c>lease_until</c> for operators; ownership itself is the advisory lock.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts at a page (then at a single event) before the event is dead-lettered.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// Transactions whose events were dead-lettered in a row, with nothing applied between them, after which
    /// the shard stops dead-lettering and retries the next event until it applies: a fault that every event
    /// meets is the read model's (its code, tables or permissions), and dead-lettering on would empty the read
    /// model silently. The events of one transaction (one command) count once. The shard shows as retrying,
    /// with the error, until the fault is mended.
    /// </summary>
    public int MaxDeadLettersInARow { get; init; } = 5;

    /// <summary>Back-off unit between failed attempts (multiplied by the attempt number).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest a shard's statement waits for a lock (a manual <c>LOCK</c>, a long <c>ALTER</c> on a
    /// read model's table); zero waits forever. A page that has written holds a transaction id, and
    /// every shard reads only events below the oldest transaction still running: a page stuck on a
    /// lock would hold back every read model, not only its own. Past this, the page is rolled back,
    /// the shard shows as retrying, and it tries again after as long again (then 2, 4 and 8 times as
    /// long while the lock stays), letting the others through. A reset (rebuild) waits without limit.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Told of every fault (shard name, or null for the node's coordination), for logging. The daemon
    /// handles them itself: retries, dead letters, status and last_error in <c>es_checkpoints</c>.
    /// </summary>
    public Action<string?, Exception>? OnError { get; init; }
}
