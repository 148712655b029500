namespace Services.EventStore;

internal static class StreamIds
{
    public static void Validate(string streamId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(streamId);
        if (streamId.Length > EventStore.MaxStreamIdLength)
            throw new ArgumentException($"A stream id is at most {EventStore.MaxStreamIdLength} characters; got {streamId.Length}.", nameof(streamId));
    }
}
