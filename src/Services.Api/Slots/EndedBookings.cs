using Services.Api.Bookings;
using Services.Api.Subscriptions;

namespace Services.Api.Slots;

/// <summary>Events per booking id and per subscription id for bookings a slot ends on its own.</summary>
internal sealed record EndedBookings(
    IReadOnlyDictionary<string, IReadOnlyList<object>> Bookings,
    IReadOnlyDictionary<string, IReadOnlyList<object>> Subscriptions)
{
    /// <summary>
    /// Each booking gets <paramref name="bookingEvent"/> and gives its units back to its subscription:
    /// a booking the company did not get must not eat its quota.
    /// </summary>
    internal static EndedBookings Of(
        IEnumerable<string> bookingIds,
        object bookingEvent,
        IReadOnlyDictionary<string, BookingState> bookings,
        IReadOnlyDictionary<string, SubscriptionState> subscriptions)
    {
        var bookingEvents = new Dictionary<string, IReadOnlyList<object>>();
        var subscriptionEvents = new Dictionary<string, List<object>>();
        foreach (var bookingId in bookingIds)
        {
            bookingEvents.Add(bookingId, [bookingEvent]);
            var subscriptionId = bookings[bookingId].SubscriptionId;
            if (!subscriptionEvents.TryGetValue(subscriptionId, out var events))
                subscriptionEvents.Add(subscriptionId, events = []);
            events.Add(Subscription.Release(subscriptions[subscriptionId], bookingId));
        }
        return new EndedBookings(bookingEvents, subscriptionEvents.ToDictionary(p => p.Key, p => (IReadOnlyList<object>)p.Value));
    }
}
