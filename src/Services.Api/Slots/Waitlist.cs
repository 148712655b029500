using Services.Api.Bookings;

namespace Services.Api.Slots;

internal sealed record Promotion(IReadOnlyList<object> Slot, IReadOnlyDictionary<string, IReadOnlyList<object>> Bookings);

/// <summary>The one rule for handing freed seats to waiting bookings.</summary>
internal static class Waitlist
{
    private static readonly Promotion Nobody = new([], new Dictionary<string, IReadOnlyList<object>>());

    /// <summary>
    /// First fit, in order: a booking too large for the seats left keeps its place and the ones behind
    /// it may still get in, so seats are not left empty while someone who fits waits. A booking whose
    /// company no longer fits its quota (<paramref name="overQuota"/>: lowered since its units were
    /// counted) keeps its place too.
    /// </summary>
    public static Promotion Promote(SlotState slot, IReadOnlySet<string>? overQuota)
    {
        // Every booking asks (BookSeat): most find nobody waiting, or no seat left.
        if (slot.Waitlist.Count == 0 || slot.Remaining <= 0) return Nobody;
        var remaining = slot.Remaining;
        var slotEvents = new List<object>();
        var bookingEvents = new Dictionary<string, IReadOnlyList<object>>();
        foreach (var entry in slot.Waitlist)
        {
            if (entry.Quantity > remaining || overQuota?.Contains(entry.BookingId) == true) continue;
            remaining -= entry.Quantity;
            slotEvents.Add(new WaitlistPromoted(entry.BookingId, entry.Quantity));
            bookingEvents.Add(entry.BookingId, [new BookingPromoted()]);
        }
        return new Promotion(slotEvents, bookingEvents);
    }
}
