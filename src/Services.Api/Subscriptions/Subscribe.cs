using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Organizations;

namespace Services.Api.Subscriptions;

public sealed record Subscribe(string SubscriptionId, string CompanyId, string OfferId, int MonthlyQuota, DateOnly StartsOn);

public sealed record SubscribeOutcome(IReadOnlyList<object> Subscription, IReadOnlyList<object> Company);

public static partial class Subscription
{
    /// <param name="club">The state of the offer's club, whose members alone may subscribe.</param>
    public static Decision<SubscribeOutcome> Decide(
        Subscribe command,
        SubscriptionState? state,
        OfferState? offer,
        OrganizationState? club,
        OrganizationState? company,
        DateTimeOffset now)
    {
        if (state is not null)
            return Decision.Refuse("subscription_exists", $"Subscription {command.SubscriptionId} already exists.");
        if (offer is null) return Offer.NotFound(command.OfferId);
        if (Offer.Unavailable(offer) is { } unavailable) return unavailable;
        if (!Organization.IsA(OrganizationKind.Company, command.CompanyId, company, out var refusal)) return refusal;
        if (!Organization.IsA(OrganizationKind.Club, offer.ClubId, club, out refusal)) return refusal;
        if (!club.Members.Contains(command.CompanyId))
            return Decision.Refuse("not_a_member", $"Company {command.CompanyId} is not a member of club {offer.ClubId}, which runs offer {offer.Id}.");
        if (company.ActiveSubscriptionsByOffer.TryGetValue(offer.Id, out var existing))
            return Decision.Refuse("subscription_exists", $"Company {command.CompanyId} already has subscription {existing} to offer {offer.Id}.");
        if (command.MonthlyQuota < 1)
            return Decision.Refuse("invalid_quota", $"A monthly quota is at least 1 unit; got {command.MonthlyQuota}.");

        return Decision<SubscribeOutcome>.Accept(new SubscribeOutcome(
            Subscription: [new Subscribed(command.SubscriptionId, command.CompanyId, offer.Id, offer.ClubId, command.MonthlyQuota, command.StartsOn, now)],
            Company: [new SubscriptionOpened(command.SubscriptionId, offer.Id)]));
    }
}
