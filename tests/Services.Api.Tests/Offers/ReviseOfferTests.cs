using Services.Api.Common;
using Services.Api.Offers;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Offers;

public sealed class ReviseOfferTests
{
    private static ReviseOffer Revise(CoFunding? coFunding = null) => new(
        OfferId, "Morning and evening shuttle", "Both ways now.", [Territory, "causse-de-labastide"],
        Money.Euros(2_500), Money.Euros(250), coFunding, [ProviderId, "org_second_driver"]);

    [Fact]
    public void A_revision_carries_every_revisable_field() =>
        Offer.Decide(Revise(new CoFunding(PartnerId, 5_000)), OfferWith(), Partner(), Now).Then(new OfferRevised(
            "Morning and evening shuttle", "Both ways now.", [Territory, "causse-de-labastide"],
            Money.Euros(2_500), Money.Euros(250), new CoFunding(PartnerId, 5_000), [ProviderId, "org_second_driver"]));

    [Fact]
    public void A_suspended_offer_may_be_revised() =>
        Offer.Decide(Revise(), OfferWith(new OfferSuspended(null)), null, Now).ThenAccepted().Count.ShouldBe(1);

    [Fact]
    public void A_withdrawn_offer_is_not_revised() =>
        Offer.Decide(Revise(), OfferWith(new OfferWithdrawn()), null, Now).ThenRefused("offer_withdrawn");

    [Fact]
    public void Only_a_partner_co_funds_a_revised_offer() =>
        Offer.Decide(Revise(new CoFunding(ClubId, 5_000)), OfferWith(), ClubWith(), Now).ThenRefused("not_a_partner");

    [Fact]
    public void An_unknown_offer_is_not_revised() =>
        Offer.Decide(Revise(), null, null, Now).ThenRefused("offer_not_found");
}
