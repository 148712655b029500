using Services.Api.Bookings;
using Services.Api.Offers;
using Services.Api.Subscriptions;

namespace Services.Api.Slots;

internal sealed record Promotion(IReadOnlyList<object> Slot, IReadOnlyDictionary<string, IReadOnlyList<object>> Bookings);

/// <summary>The one rule for handing freed seats to waiting bookings.</summary>
internal static class Waitlist
{
    private static readonly Promotion Nobody = new([], new Dictionary<string, IReadOnlyList<object>>());

    /// <summary>
    /// First fit, in order: a booking too large for the seats left keeps its place and the ones behind
    /// it may still get in, so seats are not left empty while someone who fits waits. A booking in
    /// <paramref name="passedOver"/> (<see cref="PassesOver"/>) keeps its place too.
    /// </summary>
    public static Promotion Promote(SlotState slot, IReadOnlySet<string>? passedOver)
    {
        // Every booking asks (BookSeat): most find nobody waiting, or no seat left.
        if (slot.Waitlist.Count == 0 || slot.Remaining <= 0) return Nobody;
        var remaining = slot.Remaining;
        var slotEvents = new List<object>();
        var bookingEvents = new Dictionary<string, IReadOnlyList<object>>();
        foreach (var entry in slot.Waitlist)
        {
            if (entry.Quantity > remaining || passedOver?.Contains(entry.BookingId) == true) continue;
            remaining -= entry.Quantity;
            slotEvents.Add(new WaitlistPromoted(entry.BookingId, entry.Quantity));
            bookingEvents.Add(entry.BookingId, [new BookingPromoted()]);
        }
        return new Promotion(slotEvents, bookingEvents);
    }

    /// <summary>
    /// Whether a waiting booking keeps its place when seats free up, until the slot starts and it expires: its company
    /// no longer fits its quota (lowered since its units were counted), or its subscription ended before the slot's day
    /// (its company removed from the club, the offer withdrawn) so that it could not book it anymore. Confirmed
    /// bookings past the end stand; a cancelled subscription serves the days until its end.
    /// </summary>
    /// <param name="offer">The slot's offer, whose calendar gives the slot's day.</param>
    public static bool PassesOver(BookingState booking, SubscriptionState subscription, OfferState offer) =>
        !subscription.StillFits(booking.Id) || subscription.EndedBefore(offer.LocalDate(booking.SlotStart));
}
