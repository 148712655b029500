using Services.Api.Offers;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Offers;

public sealed class SuspendOfferTests
{
    [Fact]
    public void An_active_offer_is_suspended_with_its_reason() =>
        Offer.Decide(new SuspendOffer(OfferId, "Driver on leave"), OfferWith(), Now).Then(new OfferSuspended("Driver on leave", Now));

    [Fact]
    public void A_suspended_offer_is_not_suspended_again() =>
        Offer.Decide(new SuspendOffer(OfferId, null), OfferWith(new OfferSuspended(null)), Now).ThenRefused("offer_not_active");

    [Fact]
    public void A_withdrawn_offer_is_not_suspended() =>
        Offer.Decide(new SuspendOffer(OfferId, null), OfferWith(new OfferWithdrawn()), Now).ThenRefused("offer_withdrawn");

    [Fact]
    public void An_unknown_offer_is_not_suspended() =>
        Offer.Decide(new SuspendOffer(OfferId, null), null, Now).ThenRefused("offer_not_found");
}
