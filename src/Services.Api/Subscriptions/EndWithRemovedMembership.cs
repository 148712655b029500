using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Organizations;

namespace Services.Api.Subscriptions;

/// <summary>A company removed from a club is served by its offers no longer than the month it was removed in, as if it had cancelled then.</summary>
public sealed record EndWithRemovedMembership(string SubscriptionId);

public static partial class Subscription
{
    /// <param name="club">The state of the subscription's club.</param>
    /// <param name="removedAt">When the company was last removed from the club.</param>
    public static Decision<CancelSubscriptionOutcome> Decide(EndWithRemovedMembership command, SubscriptionState? state, OfferState? offer, OrganizationState? club, DateTimeOffset removedAt)
    {
        if (state is null) return NotFound(command.SubscriptionId);
        if (offer is null) return Offer.NotFound(state.OfferId);
        if (!Organization.IsA(OrganizationKind.Club, state.ClubId, club, out var refusal)) return refusal;
        if (club.Members.Contains(state.CompanyId))
            return Decision.Refuse("still_a_member", $"Company {state.CompanyId} is a member of club {state.ClubId}.");

        // Later bookings do not hold it open, as they do a cancellation: those stand and are charged by the unit.
        return EndBy(state, EndWhenStoppedOn(state, offer.LocalDate(removedAt)));
    }

    /// <summary>Ends a subscription stopped from outside (its offer withdrawn, its company removed) on <paramref name="endsOn"/>, unless it already ends by then.</summary>
    private static Decision<CancelSubscriptionOutcome> EndBy(SubscriptionState state, DateOnly endsOn) =>
        state.EndsOn <= endsOn
            ? Decision<CancelSubscriptionOutcome>.Accept(new CancelSubscriptionOutcome([], []))
            : Decision<CancelSubscriptionOutcome>.Accept(new CancelSubscriptionOutcome(
                Subscription: [new SubscriptionCancelled(endsOn)],
                Company: [new SubscriptionClosed(state.Id, state.OfferId, endsOn)]));
}
