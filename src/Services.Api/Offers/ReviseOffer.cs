using Services.Api.Common;
using Services.Api.Organizations;

namespace Services.Api.Offers;

/// <summary>The offer's terms after the revision: the edge fills the fields a PATCH leaves out from the current state.</summary>
public sealed record ReviseOffer(
    string OfferId,
    string Title,
    string Description,
    IReadOnlyList<string> Territories,
    Money MonthlyFee,
    Money UnitPrice,
    CoFunding? CoFunding,
    IReadOnlyList<string> ProviderIds);

public static partial class Offer
{
    /// <param name="partner">The co-funding partner's state; null when the revised offer has no co-funding.</param>
    public static Decision<IReadOnlyList<object>> Decide(ReviseOffer command, OfferState? state, OrganizationState? partner, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.OfferId);
        if (state.Status == OfferStatus.Withdrawn) return Withdrawn(state);
        if (CoFundingRefusal(command.CoFunding, partner) is { } coFundingRefusal) return coFundingRefusal;

        return Decision.Accept(new OfferRevised(
            command.Title, command.Description, command.Territories, command.MonthlyFee,
            command.UnitPrice, command.CoFunding, command.ProviderIds));
    }
}
