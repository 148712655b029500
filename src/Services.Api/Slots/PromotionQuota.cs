using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Subscriptions;

namespace Services.Api.Slots;

/// <summary>
/// Decides a change that hands freed seats to waiting bookings until none it promotes is one the
/// waitlist passes over (<see cref="Waitlist.PassesOver"/>). Those keep their place and the seats go to
/// the next, which may bring more bookings in: each round loads only the bookings newly promoted and
/// their subscriptions (their versions are checked at the append, so a quota changed or a subscription
/// ended meanwhile decides again).
/// </summary>
internal static class PromotionQuota
{
    /// <param name="decide">The decider, given the waiting bookings passed over so far.</param>
    /// <param name="promoted">The bookings a decision promotes.</param>
    /// <param name="decidedSubscriptions">Subscriptions the command already loaded, as its decision leaves them (a cancellation releases units), by id.</param>
    public static async Task<Decision<TOutcome>> DecideAsync<TOutcome>(
        LoadedStreams streams,
        Func<IReadOnlySet<string>?, Decision<TOutcome>> decide,
        Func<TOutcome, IEnumerable<string>> promoted,
        Func<TOutcome, IReadOnlyDictionary<string, SubscriptionState>> decidedSubscriptions,
        CancellationToken cancellationToken)
    {
        // Allocated once something is promoted: a booking runs this too, and mostly nobody is.
        HashSet<string>? passedOver = null;
        Dictionary<string, BookingState>? bookings = null;
        Dictionary<string, SubscriptionState>? subscriptions = null;
        OfferState? offer = null;
        while (true)
        {
            var decision = decide(passedOver);
            if (decision.Refusal is not null) return decision;
            var toCheck = promoted(decision.Events!).Where(id => bookings?.ContainsKey(id) != true).ToList();
            if (toCheck.Count == 0) return decision;
            bookings ??= new Dictionary<string, BookingState>(StringComparer.Ordinal);
            var known = decidedSubscriptions(decision.Events!);
            subscriptions ??= new Dictionary<string, SubscriptionState>(StringComparer.Ordinal);
            var newlyPromoted = await streams.LoadManyAsync(toCheck, Booking.Stream, cancellationToken);
            foreach (var (id, booking) in newlyPromoted) bookings[id] = booking;
            var unloaded = newlyPromoted.Values.Select(b => b.SubscriptionId).Where(id => !known.ContainsKey(id) && !subscriptions.ContainsKey(id)).Distinct(StringComparer.Ordinal);
            foreach (var (id, subscription) in await streams.LoadManyAsync(unloaded, Subscription.Stream, cancellationToken)) subscriptions[id] = subscription;
            if (newlyPromoted.Count == 0) return decision;
            // A promotion's bookings are all on one slot, of one offer, whose time zone never changes.
            offer ??= await streams.ReadUnchangingAsync(Offer.Stream(newlyPromoted.Values.First().OfferId), cancellationToken);
            var over = newlyPromoted.Values
                .Where(booking => (known.GetValueOrDefault(booking.SubscriptionId) ?? subscriptions.GetValueOrDefault(booking.SubscriptionId)) is { } subscription
                    && offer is not null && Waitlist.PassesOver(booking, subscription, offer))
                .Select(booking => booking.Id)
                .ToList();
            if (over.Count == 0) return decision;
            passedOver ??= new HashSet<string>(StringComparer.Ordinal);
            passedOver.UnionWith(over);
        }
    }
}
