using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Subscriptions;

namespace Services.Api.Slots;

public sealed record CancelSlot(string SlotId, string Reason);

public sealed record CancelSlotOutcome(
    IReadOnlyList<object> Slot,
    IReadOnlyDictionary<string, IReadOnlyList<object>> Bookings,
    IReadOnlyDictionary<string, IReadOnlyList<object>> Subscriptions);

public static partial class Slot
{
    /// <param name="bookings">The states of the slot's confirmed and waitlisted bookings, by booking id.</param>
    /// <param name="subscriptions">The states of those bookings' subscriptions, by subscription id.</param>
    public static Decision<CancelSlotOutcome> Decide(
        CancelSlot command,
        SlotState? state,
        IReadOnlyDictionary<string, BookingState> bookings,
        IReadOnlyDictionary<string, SubscriptionState> subscriptions,
        DateTimeOffset now)
    {
        if (state is null) return NotFound(command.SlotId);
        if (state.Cancelled) return Cancelled(state);
        if (state.HasStarted(now)) return Started(state);

        var bookingIds = state.Confirmed.Keys.Order(StringComparer.Ordinal).Concat(state.Waitlist.Select(w => w.BookingId));
        var ended = EndedBookings.Of(bookingIds, new BookingCancelled(BookingCancelled.SlotCancelled), bookings, subscriptions);
        return Decision<CancelSlotOutcome>.Accept(new CancelSlotOutcome([new SlotCancelled(command.Reason)], ended.Bookings, ended.Subscriptions));
    }
}
