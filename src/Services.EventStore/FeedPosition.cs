using System.Globalization;

namespace Services.EventStore;

/// <summary>
/// A place in the global feed: the committing transaction's id and the event's position within
/// it. The feed is totally ordered by this pair; <see cref="Start"/> comes before every event.
/// </summary>
public readonly record struct FeedPosition(ulong TransactionId, long GlobalPosition) : IComparable<FeedPosition>
{
    public static FeedPosition Start { get; } = new(0, 0);

    public int CompareTo(FeedPosition other)
    {
        var byTransaction = TransactionId.CompareTo(other.TransactionId);
        return byTransaction != 0 ? byTransaction : GlobalPosition.CompareTo(other.GlobalPosition);
    }

    public static bool operator <(FeedPosition left, FeedPosition right) => left.CompareTo(right) < 0;
    public static bool operator >(FeedPosition left, FeedPosition right) => left.CompareTo(right) > 0;
    public static bool operator <=(FeedPosition left, FeedPosition right) => left.CompareTo(right) <= 0;
    public static bool operator >=(FeedPosition left, FeedPosition right) => left.CompareTo(right) >= 0;

    /// <summary>Compact text form, <c>{xid}.{position}</c>, used in headers and opaque cursors.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{TransactionId}.{GlobalPosition}");

    public static bool TryParse(string? text, out FeedPosition position)
    {
        position = Start;
        if (string.IsNullOrEmpty(text)) return false;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0
            || !ulong.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var xid)
            || !long.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pos))
        {
            return false;
        }
        position = new FeedPosition(xid, pos);
        return true;
    }
}
