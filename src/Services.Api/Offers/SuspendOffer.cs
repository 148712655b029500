using Services.Api.Common;

namespace Services.Api.Offers;

public sealed record SuspendOffer(string OfferId, string? Reason);

public static partial class Offer
{
    public static Decision<IReadOnlyList<object>> Decide(SuspendOffer command, OfferState? state, DateTimeOffset now) => state switch
    {
        null => NotFound(command.OfferId),
        { Status: OfferStatus.Withdrawn } => Withdrawn(state),
        { Status: OfferStatus.Suspended } => Decision.Refuse("offer_not_active", $"Offer {command.OfferId} is already suspended."),
        _ => Decision.Accept(new OfferSuspended(command.Reason)),
    };
}
