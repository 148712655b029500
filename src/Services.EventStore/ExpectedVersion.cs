namespace Services.EventStore;

/// <summary>What the appender believes about a stream's version before appending.</summary>
public readonly record struct ExpectedVersion
{
    private ExpectedVersion(long value, Guid? lastEventId = null) => (Value, LastEventId) = (value, lastEventId);

    /// <summary>-1 any, 0 no stream, n &gt; 0 exactly n: the encoding <c>es_append</c> takes.</summary>
    internal long Value { get; }

    /// <summary>The id of the stream's event at <see cref="Value"/>, when the version must also be that event.</summary>
    internal Guid? LastEventId { get; }

    /// <summary>
    /// Append whatever the version; concurrent appenders take the next free versions. No version
    /// guards a retry here: if a connection breaks before the answer, the store ends the server
    /// process of the first attempt before it looks for its events and writes them again, and
    /// throws a <see cref="TimeoutException"/> (the outcome unknown) if that process will not end.
    /// </summary>
    public static ExpectedVersion Any { get; } = new(-1);

    /// <summary>The stream must not exist yet.</summary>
    public static ExpectedVersion NoStream { get; } = new(0);

    /// <summary>The stream must be exactly at <paramref name="version"/>; 0 means it must not exist.</summary>
    public static ExpectedVersion Exactly(long version) =>
        version < 0 ? throw new ArgumentOutOfRangeException(nameof(version), version, "A stream version cannot be negative.") : new(version);

    /// <summary>
    /// The stream must be exactly at <paramref name="version"/> and its event there must be
    /// <paramref name="lastEventId"/>: a version taken by another writer with other events is a
    /// conflict too (a decision on events not committed yet needs it: they may never be).
    /// </summary>
    public static ExpectedVersion Exactly(long version, Guid lastEventId) =>
        version < 1 ? throw new ArgumentOutOfRangeException(nameof(version), version, "A stream with a last event is at version 1 or more.") : new(version, lastEventId);

    public override string ToString() => Value switch { -1 => "any", 0 => "no stream", _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}
