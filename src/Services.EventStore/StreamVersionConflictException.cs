namespace Services.EventStore;

/// <summary>An append found the stream at another version than expected; nothing of it was written.</summary>
public sealed class StreamVersionConflictException(string streamId, ExpectedVersion expected, long actualVersion)
    : Exception($"Stream '{streamId}' was expected at {expected} but is at version {actualVersion}; nothing was appended.")
{
    public string StreamId { get; } = streamId;
    public ExpectedVersion Expected { get; } = expected;
    public long ActualVersion { get; } = actualVersion;
}
