using System.Collections.Immutable;

namespace Services.Api.Slots;

/// <param name="BeneficiaryRef">Null for seats reserved before their events named the beneficiary (November 2026): they block nobody.</param>
public readonly record struct SeatHold(string CompanyId, string? BeneficiaryRef, int Quantity);

/// <summary>
/// The seats a slot's confirmed bookings hold, and whom for: per booking, to give them back, and their
/// total, so that every booking decision does not sum them again.
/// </summary>
public sealed class SeatHolds
{
    public static readonly SeatHolds None = new(ImmutableDictionary.Create<string, SeatHold>(StringComparer.Ordinal), 0);

    private readonly ImmutableDictionary<string, SeatHold> _byBooking;

    private SeatHolds(ImmutableDictionary<string, SeatHold> byBooking, int total)
    {
        _byBooking = byBooking;
        Total = total;
    }

    public IReadOnlyDictionary<string, SeatHold> ByBooking => _byBooking;

    public int Total { get; }

    /// <summary>The booking's seats, in place of any it held before.</summary>
    public SeatHolds Hold(string bookingId, SeatHold hold)
    {
        var without = Release(bookingId);
        return new SeatHolds(without._byBooking.SetItem(bookingId, hold), without.Total + hold.Quantity);
    }

    public SeatHolds Release(string bookingId) =>
        _byBooking.TryGetValue(bookingId, out var hold) ? new SeatHolds(_byBooking.Remove(bookingId), Total - hold.Quantity) : this;
}
