using Services.Api.Common;
using Services.Api.Offers;

namespace Services.Api.Needs;

public sealed record AddressNeed(string NeedId, string OfferId);

public static partial class Need
{
    public static Decision<IReadOnlyList<object>> Decide(AddressNeed command, NeedState? state, OfferState? offer, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.NeedId);
        if (Closed(state) is { } closed) return closed;
        if (offer is null) return Offer.NotFound(command.OfferId);
        if (offer.Status == OfferStatus.Withdrawn) return Offer.Withdrawn(offer);
        if (offer.Category != state.Category)
            return Decision.Refuse("category_mismatch", $"Need {state.Id} is for {WireName.Of(state.Category)}; offer {offer.Id} is {WireName.Of(offer.Category)}.");
        if (!offer.Territories.Contains(state.Territory))
            return Decision.Refuse("territory_not_served", $"Offer {offer.Id} does not serve territory {state.Territory} of need {state.Id}.");

        return Decision.Accept(new NeedAddressed(offer.Id, offer.ClubId));
    }
}
