using Services.Api.Offers;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Offers;

public sealed class WithdrawOfferTests
{
    [Fact]
    public void An_active_offer_is_withdrawn() =>
        Offer.Decide(new WithdrawOffer(OfferId), OfferWith(), Now).Then(new OfferWithdrawn(Now));

    [Fact]
    public void A_suspended_offer_is_withdrawn() =>
        Offer.Decide(new WithdrawOffer(OfferId), OfferWith(new OfferSuspended(null)), Now).Then(new OfferWithdrawn(Now));

    [Fact]
    public void Withdrawal_is_final() =>
        Offer.Decide(new WithdrawOffer(OfferId), OfferWith(new OfferWithdrawn()), Now).ThenRefused("offer_withdrawn");

    [Fact]
    public void An_unknown_offer_is_not_withdrawn() =>
        Offer.Decide(new WithdrawOffer(OfferId), null, Now).ThenRefused("offer_not_found");
}
