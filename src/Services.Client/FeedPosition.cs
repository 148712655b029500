using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Services.Client;

/// <summary>
/// Where an event stands in the one global order (an event's <c>position</c>, the <c>Services-Position</c> header,
/// <c>minPosition</c>): two integers, compared as a pair. 894.100 comes after 894.99, which a decimal or a string
/// comparison gets wrong: order webhook deliveries with this, not with the text.
/// </summary>
public readonly record struct FeedPosition(ulong Transaction, long Sequence) : IComparable<FeedPosition>
{
    public static FeedPosition Parse(string text) =>
        TryParse(text, out var position) ? position : throw new FormatException($"'{text}' is not a feed position: two integers joined by a dot, e.g. 894.100.");

    public static bool TryParse([NotNullWhen(true)] string? text, out FeedPosition position)
    {
        position = default;
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot <= 0 || dot == text!.Length - 1) return false;
        if (!ulong.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var transaction)
            || !long.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            return false;
        position = new FeedPosition(transaction, sequence);
        return true;
    }

    public int CompareTo(FeedPosition other) =>
        Transaction != other.Transaction ? Transaction.CompareTo(other.Transaction) : Sequence.CompareTo(other.Sequence);

    public static bool operator <(FeedPosition left, FeedPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(FeedPosition left, FeedPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(FeedPosition left, FeedPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(FeedPosition left, FeedPosition right) => left.CompareTo(right) >= 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Transaction}.{Sequence}");
}
