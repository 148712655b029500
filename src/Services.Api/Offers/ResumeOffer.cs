using Services.Api.Common;

namespace Services.Api.Offers;

public sealed record ResumeOffer(string OfferId);

public static partial class Offer
{
    public static Decision<IReadOnlyList<object>> Decide(ResumeOffer command, OfferState? state, DateTimeOffset now) => state switch
    {
        null => NotFound(command.OfferId),
        { Status: OfferStatus.Withdrawn } => Withdrawn(state),
        { Status: OfferStatus.Active } => Decision.Refuse("offer_not_suspended", $"Offer {command.OfferId} is not suspended."),
        _ => Decision.Accept(new OfferResumed()),
    };
}
