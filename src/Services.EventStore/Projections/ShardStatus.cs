namespace Services.EventStore.Projections;

/// <summary>One shard as operators see it.</summary>
/// <param name="LagEvents">Committed events after the checkpoint, counted up to <see cref="ProjectionDaemon.MaxCountedLag"/>.</param>
/// <param name="LagAge">Age of the oldest unprocessed event; zero when caught up.</param>
/// <param name="DeadLetters">Events left out of the read model since its last reset (es_dead_letters).</param>
public sealed record ShardStatus(
    string Name,
    FeedPosition Position,
    long LagEvents,
    TimeSpan LagAge,
    string? Owner,
    DateTimeOffset? LeaseUntil,
    string Status,
    string? LastError,
    DateTimeOffset UpdatedAt,
    long DeadLetters);

/// <summary>Values of <c>es_checkpoints.status</c>.</summary>
public static class ShardStatuses
{
    /// <summary>No node runs the shard.</summary>
    public const string Idle = "idle";
    public const string Running = "running";
    /// <summary>Catching up after a reset; a failing event stops the shard instead of being dead-lettered.</summary>
    public const string Rebuilding = "rebuilding";
    /// <summary>The last attempt failed (see last_error); the shard retries.</summary>
    public const string Retrying = "retrying";
    /// <summary>Stopped by an event that failed during a rebuild; only a new rebuild restarts it.</summary>
    public const string Failed = "failed";
    /// <summary>A rebuild was asked for; the owner resets the shard at its next page.</summary>
    public const string RebuildRequested = "rebuild_requested";
}
