using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Slots;
using Services.Api.Subscriptions;

namespace Services.Api.Bookings;

public sealed record BookSeat(string BookingId, string CompanyId, string SubscriptionId, string SlotId, int Quantity, string BeneficiaryRef);

public sealed record BookSeatOutcome(IReadOnlyList<object> Booking, IReadOnlyList<object> Slot, IReadOnlyList<object> Subscription);

public static partial class Booking
{
    /// <param name="offer">The slot's offer.</param>
    public static Decision<BookSeatOutcome> Decide(
        BookSeat command,
        BookingState? state,
        SlotState? slot,
        SubscriptionState? subscription,
        OfferState? offer,
        DateTimeOffset now)
    {
        if (state is not null)
            return Decision.Refuse("booking_exists", $"Booking {command.BookingId} already exists.");
        if (slot is null) return Slot.NotFound(command.SlotId);
        if (slot.Cancelled) return Slot.Cancelled(slot);
        if (slot.HasStarted(now)) return Slot.Started(slot);
        if (offer is null) return Offer.NotFound(slot.OfferId);
        if (Offer.Unavailable(offer) is { } unavailable) return unavailable;
        if (subscription is null) return Subscription.NotFound(command.SubscriptionId);
        if (subscription.CompanyId != command.CompanyId)
            return Decision.Refuse("subscription_company_mismatch", $"Subscription {subscription.Id} belongs to company {subscription.CompanyId}, not {command.CompanyId}.");
        if (subscription.OfferId != slot.OfferId)
            return Decision.Refuse("subscription_offer_mismatch", $"Subscription {subscription.Id} is to offer {subscription.OfferId}; slot {slot.Id} belongs to offer {slot.OfferId}.");

        var slotDate = offer.LocalDate(slot.Start);
        if (slotDate < subscription.StartsOn)
            return Decision.Refuse("subscription_not_started", $"Subscription {subscription.Id} starts on {subscription.StartsOn:yyyy-MM-dd}; slot {slot.Id} is on {slotDate:yyyy-MM-dd}.");
        if (subscription.EndsOn is { } endsOn && slotDate > endsOn)
            return Decision.Refuse("subscription_ended", $"Subscription {subscription.Id} ends on {endsOn:yyyy-MM-dd}; slot {slot.Id} is on {slotDate:yyyy-MM-dd}.");
        if (command.Quantity < 1)
            return Decision.Refuse("invalid_quantity", $"A booking is for at least 1 unit; got {command.Quantity}.");

        var month = Subscription.MonthOf(slotDate);
        var used = subscription.UnitsUsedIn(month);
        if (used + command.Quantity > subscription.MonthlyQuota)
            return Decision.Refuse("quota_exceeded", $"Subscription {subscription.Id} has used {used} of its {subscription.MonthlyQuota} units for {month}; {command.Quantity} more would exceed the quota.");

        var requested = new BookingRequested(
            command.BookingId, command.CompanyId, subscription.Id, slot.OfferId, slot.Id, slot.Start,
            command.Quantity, command.BeneficiaryRef, now);
        var counted = new UnitsCounted(command.BookingId, month, command.Quantity);
        // A newcomer never overtakes the waitlist, even when a smaller booking would fit the seats left.
        if (slot.Waitlist.IsEmpty && slot.Remaining >= command.Quantity)
            return Decision<BookSeatOutcome>.Accept(new BookSeatOutcome(
                Booking: [requested, new BookingConfirmed()],
                Slot: [new SeatReserved(command.BookingId, command.CompanyId, command.Quantity)],
                Subscription: [counted]));

        var position = slot.Waitlist.Count + 1;
        return Decision<BookSeatOutcome>.Accept(new BookSeatOutcome(
            Booking: [requested, new BookingWaitlisted(position)],
            Slot: [new WaitlistJoined(command.BookingId, command.CompanyId, command.Quantity, position)],
            Subscription: [counted]));
    }
}
