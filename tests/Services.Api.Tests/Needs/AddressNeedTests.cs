using Services.Api.Common;
using Services.Api.Needs;
using Services.Api.Offers;
using static Services.Api.Tests.Needs.NeedExamples;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Needs;

public sealed class AddressNeedTests
{
    private static readonly AddressNeed Command = new(NeedId, OfferId);

    [Fact]
    public void An_offer_of_the_same_category_serving_the_territory_addresses_a_need() =>
        Need.Decide(Command, NeedWith(), OfferWith(), Now).Then(new NeedAddressed(OfferId, ClubId));

    [Fact]
    public void A_suspended_offer_may_address_a_need() =>
        Need.Decide(Command, NeedWith(), OfferWith(new OfferSuspended(null)), Now).Then(new NeedAddressed(OfferId, ClubId));

    [Fact]
    public void The_offer_is_of_the_needs_category() =>
        Need.Decide(Command, Given<NeedState>(Need.Evolve, Recorded(Category.Childcare)), OfferWith(), Now)
            .ThenRefused("category_mismatch").Detail.ShouldContain("childcare");

    [Fact]
    public void The_offer_serves_the_needs_territory() =>
        Need.Decide(Command, NeedWith(), Given<OfferState>(Offer.Evolve, Published() with { Territories = ["ouest-rhodanien"] }), Now)
            .ThenRefused("territory_not_served");

    [Fact]
    public void A_withdrawn_offer_addresses_no_need() =>
        Need.Decide(Command, NeedWith(), OfferWith(new OfferWithdrawn()), Now).ThenRefused("offer_withdrawn");

    [Fact]
    public void A_need_is_addressed_once() =>
        Need.Decide(Command, NeedWith(new NeedAddressed("off_earlier", ClubId)), OfferWith(), Now).ThenRefused("need_closed");

    [Fact]
    public void A_withdrawn_need_is_not_addressed() =>
        Need.Decide(Command, NeedWith(new NeedWithdrawn()), OfferWith(), Now).ThenRefused("need_closed");

    [Fact]
    public void An_unknown_offer_addresses_no_need() =>
        Need.Decide(Command, NeedWith(), null, Now).ThenRefused("offer_not_found");
}
