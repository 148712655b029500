using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Subscriptions;

namespace Services.Api.Slots;

/// <summary>Once the slot has started, whoever still waits will not get a seat: unmet demand.</summary>
public sealed record ExpireWaitlist(string SlotId);

public sealed record ExpireWaitlistOutcome(
    IReadOnlyList<object> Slot,
    IReadOnlyDictionary<string, IReadOnlyList<object>> Bookings,
    IReadOnlyDictionary<string, IReadOnlyList<object>> Subscriptions);

public static partial class Slot
{
    /// <param name="bookings">The states of the slot's waitlisted bookings, by booking id.</param>
    /// <param name="subscriptions">The states of those bookings' subscriptions, by subscription id.</param>
    public static Decision<ExpireWaitlistOutcome> Decide(
        ExpireWaitlist command,
        SlotState? state,
        IReadOnlyDictionary<string, BookingState> bookings,
        IReadOnlyDictionary<string, SubscriptionState> subscriptions,
        DateTimeOffset now)
    {
        if (state is null) return NotFound(command.SlotId);
        if (!state.HasStarted(now)) return NotStarted(state);

        var bookingIds = state.Waitlist.Select(w => w.BookingId).ToList();
        var ended = EndedBookings.Of(bookingIds, new BookingExpired(), bookings, subscriptions);
        return Decision<ExpireWaitlistOutcome>.Accept(new ExpireWaitlistOutcome(
            bookingIds.Count == 0 ? [] : [new WaitlistExpired(bookingIds)], ended.Bookings, ended.Subscriptions));
    }
}
