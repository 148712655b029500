using Services.Api.Common;

namespace Services.Api.Offers;

public sealed record WithdrawOffer(string OfferId);

public static partial class Offer
{
    public static Decision<IReadOnlyList<object>> Decide(WithdrawOffer command, OfferState? state, DateTimeOffset now) => state switch
    {
        null => NotFound(command.OfferId),
        { Status: OfferStatus.Withdrawn } => Withdrawn(state),
        _ => Decision.Accept(new OfferWithdrawn()),
    };
}
