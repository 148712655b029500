using Services.Api.Offers;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Offers;

public sealed class ResumeOfferTests
{
    [Fact]
    public void A_suspended_offer_is_resumed() =>
        Offer.Decide(new ResumeOffer(OfferId), OfferWith(new OfferSuspended(null)), Now).Then(new OfferResumed(Now));

    [Fact]
    public void An_active_offer_is_not_resumed() =>
        Offer.Decide(new ResumeOffer(OfferId), OfferWith(new OfferSuspended(null), new OfferResumed()), Now).ThenRefused("offer_not_suspended");

    [Fact]
    public void A_withdrawn_offer_is_not_resumed() =>
        Offer.Decide(new ResumeOffer(OfferId), OfferWith(new OfferSuspended(null), new OfferWithdrawn()), Now).ThenRefused("offer_withdrawn");
}
