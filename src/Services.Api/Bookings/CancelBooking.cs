using Services.Api.Common;
using Services.Api.Slots;
using Services.Api.Subscriptions;

namespace Services.Api.Bookings;

public sealed record CancelBooking(string BookingId);

/// <param name="Promoted">Events per booking id for the waitlisted bookings that got the freed seats.</param>
public sealed record CancelBookingOutcome(
    IReadOnlyList<object> Booking,
    IReadOnlyList<object> Slot,
    IReadOnlyList<object> Subscription,
    IReadOnlyDictionary<string, IReadOnlyList<object>> Promoted);

public static partial class Booking
{
    /// <param name="slot">The booking's slot.</param>
    /// <param name="subscription">The booking's subscription.</param>
    public static Decision<CancelBookingOutcome> Decide(
        CancelBooking command,
        BookingState? state,
        SlotState? slot,
        SubscriptionState? subscription,
        DateTimeOffset now)
    {
        if (state is null) return NotFound(command.BookingId);
        if (state.Status is not (BookingStatus.Confirmed or BookingStatus.Waitlisted))
            return Decision.Refuse("booking_not_cancellable", $"Booking {state.Id} is {WireName.Of(state.Status)}; only confirmed or waitlisted bookings can be cancelled.");
        if (slot is null) return Slot.NotFound(state.SlotId);
        if (slot.HasStarted(now)) return Slot.Started(slot);
        if (subscription is null) return Subscription.NotFound(state.SubscriptionId);

        object freed = state.Status == BookingStatus.Confirmed
            ? new SeatReleased(state.Id, state.Quantity)
            : new WaitlistLeft(state.Id);
        var promotion = Waitlist.Promote(Slot.Apply(slot, freed));
        return Decision<CancelBookingOutcome>.Accept(new CancelBookingOutcome(
            Booking: [new BookingCancelled(BookingCancelled.OnRequest)],
            Slot: [freed, .. promotion.Slot],
            Subscription: [Subscription.Release(subscription, state.Id)],
            Promoted: promotion.Bookings));
    }
}
