using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Organizations;

namespace Services.Api.Subscriptions;

/// <summary>A company removed from a club is served by its offers no longer than the month it was removed in, as if it had cancelled then.</summary>
public sealed record EndWithRemovedMembership(string SubscriptionId);

public static partial class Subscription
{
    /// <param name="club">The state of the subscription's club.</param>
    public static Decision<CancelSubscriptionOutcome> Decide(EndWithRemovedMembership command, SubscriptionState? state, OfferState? offer, OrganizationState? club)
    {
        if (state is null) return NotFound(command.SubscriptionId);
        if (offer is null) return Offer.NotFound(state.OfferId);
        if (!Organization.IsA(OrganizationKind.Club, state.ClubId, club, out var refusal)) return refusal;
        if (club.Members.Contains(state.CompanyId))
            return Decision.Refuse("still_a_member", $"Company {state.CompanyId} is a member of club {state.ClubId}.");
        // Removals recorded before they ended subscriptions were made on the word that subscriptions run on.
        if (club.RemovedMembers.GetValueOrDefault(state.CompanyId) is not { } removedAt)
            return Decision.Refuse("removed_while_subscriptions_ran_on", $"Company {state.CompanyId} was removed from club {state.ClubId} when its subscriptions ran on after a removal.");

        // Later bookings do not hold it open, as they do a cancellation: confirmed ones stand and are charged by the unit, waiting ones are no longer promoted (Waitlist.PassesOver).
        return EndBy(state, EndWhenStoppedOn(state, offer.LocalDate(removedAt)), SubscriptionEndReason.MembershipRemoved);
    }
}
