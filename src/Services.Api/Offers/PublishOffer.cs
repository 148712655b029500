using Services.Api.Common;
using Services.Api.Organizations;

namespace Services.Api.Offers;

public sealed record PublishOffer(
    string OfferId,
    string ClubId,
    Category Category,
    string Title,
    string Description,
    IReadOnlyList<string> Territories,
    string TimeZone,
    Money MonthlyFee,
    Money UnitPrice,
    CoFunding? CoFunding,
    IReadOnlyList<string> ProviderIds);

public static partial class Offer
{
    /// <param name="partner">The co-funding partner's state; null when the offer has no co-funding.</param>
    public static Decision<IReadOnlyList<object>> Decide(
        PublishOffer command, OfferState? state, OrganizationState? club, OrganizationState? partner, DateTimeOffset now)
    {
        if (state is not null)
            return Decision.Refuse("offer_exists", $"Offer {command.OfferId} already exists.");
        if (!Organization.IsA(OrganizationKind.Club, command.ClubId, club, out var refusal)) return refusal;
        if (CoFundingRefusal(command.CoFunding, partner) is { } coFundingRefusal) return coFundingRefusal;

        return Decision.Accept(new OfferPublished(
            command.OfferId, command.ClubId, command.Category, command.Title, command.Description,
            command.Territories, command.TimeZone, command.MonthlyFee, command.UnitPrice,
            command.CoFunding, command.ProviderIds, now));
    }
}
