namespace Services.EventStore;

/// <summary>Events to append to one stream, decided on the stream's <see cref="Expected"/> version.</summary>
public sealed record StreamAppend(string StreamId, string StreamType, ExpectedVersion Expected, IReadOnlyList<object> Events)
{
    /// <summary>True for <see cref="Unchanged"/>: no events, a version check only.</summary>
    public bool IsVersionCheck { get; private init; }

    /// <summary>
    /// A stream the decision was taken on without changing it (Marten's <c>AlwaysEnforceConsistency</c>):
    /// the transaction commits only if the stream is still at <paramref name="expected"/>, and
    /// otherwise fails with a <see cref="StreamVersionConflictException"/> like an append.
    /// </summary>
    public static StreamAppend Unchanged(string streamId, ExpectedVersion expected) =>
        new(streamId, "", expected, []) { IsVersionCheck = true };
}

/// <summary>The outcome of an append: each stream's new version and the feed position of the last event.</summary>
public sealed record AppendResult(IReadOnlyDictionary<string, long> StreamVersions, FeedPosition LastPosition)
{
    public long VersionOf(string streamId) => StreamVersions[streamId];
}

/// <summary>An event as stored. <see cref="Data"/> is null when its type is not registered in this process.</summary>
public sealed record RecordedEvent(
    Guid EventId,
    string StreamId,
    long StreamVersion,
    string EventType,
    object? Data,
    string Json,
    EventMetadata Metadata,
    DateTimeOffset Timestamp,
    FeedPosition Position);

/// <summary>A page of the global feed. <see cref="Next"/> is where the following page starts.</summary>
public sealed record FeedPage(IReadOnlyList<RecordedEvent> Events, FeedPosition Next);

/// <summary>A stream folded into a state, with the version it was folded at (0 when the stream does not exist).</summary>
public sealed record Aggregated<TState>(TState State, long Version);

/// <summary>
/// A stream folded for a decision (<see cref="EventStore.FetchForWritingAsync"/>): its state, its
/// version, and what the decision's append must expect of it.
/// </summary>
public sealed record FetchedStream<TState>(TState State, long Version, ExpectedVersion Expected);
