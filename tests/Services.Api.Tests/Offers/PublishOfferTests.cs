using Services.Api.Common;
using Services.Api.Offers;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Offers;

public sealed class PublishOfferTests
{
    private static PublishOffer Publish(string clubId = ClubId, CoFunding? coFunding = null) => new(
        OfferId, clubId, Category.Mobility, "Morning shuttle", "From Figeac station to the Lafayette business park.",
        [Territory], TimeZoneId, Money.Euros(2_000), Money.Euros(300), coFunding, [ProviderId]);

    [Fact]
    public void A_club_publishes_an_offer() =>
        Offer.Decide(Publish(), null, ClubWith(), null, Now).Then(Published() with { PublishedAt = Now });

    [Fact]
    public void A_partner_may_co_fund_an_offer() =>
        Offer.Decide(Publish(coFunding: new CoFunding(PartnerId, 2_500)), null, ClubWith(), Partner(), Now)
            .Then(Published(coFunding: new CoFunding(PartnerId, 2_500)) with { PublishedAt = Now });

    [Fact]
    public void Only_a_club_publishes_offers() =>
        Offer.Decide(Publish(clubId: CompanyId), null, CompanyWith(), null, Now).ThenRefused("not_a_club");

    [Fact]
    public void An_unknown_club_publishes_nothing() =>
        Offer.Decide(Publish(), null, null, null, Now).ThenRefused("organization_not_found");

    [Fact]
    public void Only_a_partner_co_funds_an_offer() =>
        Offer.Decide(Publish(coFunding: new CoFunding(ProviderId, 2_500)), null, ClubWith(), Provider(), Now)
            .ThenRefused("not_a_partner");

    [Fact]
    public void An_unknown_partner_co_funds_nothing() =>
        Offer.Decide(Publish(coFunding: new CoFunding(PartnerId, 2_500)), null, ClubWith(), null, Now)
            .ThenRefused("organization_not_found").Detail.ShouldContain(PartnerId);

    [Fact]
    public void An_offer_is_published_once() =>
        Offer.Decide(Publish(), OfferWith(), ClubWith(), null, Now).ThenRefused("offer_exists");
}
