using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Organizations;

namespace Services.Api.Subscriptions;

public sealed record CancelSubscription(string SubscriptionId);

public sealed record CancelSubscriptionOutcome(IReadOnlyList<object> Subscription, IReadOnlyList<object> Company);

public static partial class Subscription
{
    /// <param name="offer">The subscribed offer, whose time zone says which month <paramref name="now"/> is in.</param>
    public static Decision<CancelSubscriptionOutcome> Decide(CancelSubscription command, SubscriptionState? state, OfferState? offer, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.SubscriptionId);
        if (state.IsCancelled) return Cancelled(state);
        if (offer is null) return Offer.NotFound(state.OfferId);

        var today = offer.LocalDate(now);
        var endsOn = new DateOnly(today.Year, today.Month, DateTime.DaysInMonth(today.Year, today.Month));
        return Decision<CancelSubscriptionOutcome>.Accept(new CancelSubscriptionOutcome(
            Subscription: [new SubscriptionCancelled(endsOn)],
            Company: [new SubscriptionClosed(state.Id, state.OfferId)]));
    }
}
