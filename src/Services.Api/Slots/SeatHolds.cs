using System.Collections.Immutable;

namespace Services.Api.Slots;

/// <summary>
/// The seats a slot's confirmed bookings hold: per booking, to give them back, and their total,
/// so that every booking decision does not sum them again.
/// </summary>
public sealed class SeatHolds
{
    public static readonly SeatHolds None = new(ImmutableDictionary.Create<string, int>(StringComparer.Ordinal), 0);

    private readonly ImmutableDictionary<string, int> _byBooking;

    private SeatHolds(ImmutableDictionary<string, int> byBooking, int total)
    {
        _byBooking = byBooking;
        Total = total;
    }

    public IReadOnlyDictionary<string, int> ByBooking => _byBooking;

    public int Total { get; }

    /// <summary>The booking's seats, in place of any it held before.</summary>
    public SeatHolds Hold(string bookingId, int quantity)
    {
        var without = Release(bookingId);
        return new SeatHolds(without._byBooking.SetItem(bookingId, quantity), without.Total + quantity);
    }

    public SeatHolds Release(string bookingId) =>
        _byBooking.TryGetValue(bookingId, out var quantity) ? new SeatHolds(_byBooking.Remove(bookingId), Total - quantity) : this;
}
