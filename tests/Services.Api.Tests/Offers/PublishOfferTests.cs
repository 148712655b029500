using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Organizations;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Offers;

public sealed class PublishOfferTests
{
    private static PublishOffer Publish(string clubId = ClubId, CoFunding? coFunding = null, string providerId = ProviderId) => new(
        OfferId, clubId, Category.Mobility, "Morning shuttle", "From Figeac station to the Lafayette business park.",
        [Territory], TimeZoneId, Money.Euros(2_000), Money.Euros(300), coFunding, [providerId]);

    private static readonly Dictionary<string, OrganizationState> Providers = new() { [ProviderId] = Provider() };

    [Fact]
    public void A_club_publishes_an_offer() =>
        Offer.Decide(Publish(), null, ClubWith(), null, Providers, Now).Then(Published() with { PublishedAt = Now });

    [Fact]
    public void A_partner_may_co_fund_an_offer() =>
        Offer.Decide(Publish(coFunding: new CoFunding(PartnerId, 2_500)), null, ClubWith(), Partner(), Providers, Now)
            .Then(Published(coFunding: new CoFunding(PartnerId, 2_500)) with { PublishedAt = Now });

    [Fact]
    public void A_co_funding_partner_serves_one_of_the_offers_territories() =>
        Offer.Decide(Publish(coFunding: new CoFunding(PartnerId, 2_500)), null, ClubWith(), PartnerElsewhere(), Providers, Now)
            .ThenRefused("partner_outside_territories").Detail.ShouldContain("ouest-rhodanien");

    [Fact]
    public void Only_a_club_publishes_offers() =>
        Offer.Decide(Publish(clubId: CompanyId), null, CompanyWith(), null, Providers, Now).ThenRefused("not_a_club");

    [Fact]
    public void An_unknown_club_publishes_nothing() =>
        Offer.Decide(Publish(), null, null, null, Providers, Now).ThenRefused("organization_not_found");

    [Fact]
    public void Only_a_partner_co_funds_an_offer() =>
        Offer.Decide(Publish(coFunding: new CoFunding(ProviderId, 2_500)), null, ClubWith(), Provider(), Providers, Now)
            .ThenRefused("not_a_partner");

    [Fact]
    public void An_unknown_partner_co_funds_nothing() =>
        Offer.Decide(Publish(coFunding: new CoFunding(PartnerId, 2_500)), null, ClubWith(), null, Providers, Now)
            .ThenRefused("organization_not_found").Detail.ShouldContain(PartnerId);

    [Fact]
    public void An_offer_is_published_once() =>
        Offer.Decide(Publish(), OfferWith(), ClubWith(), null, Providers, Now).ThenRefused("offer_exists");

    [Fact]
    public void Only_a_registered_provider_is_listed_as_one()
    {
        Offer.Decide(Publish(providerId: CompanyId), null, ClubWith(), null, new Dictionary<string, OrganizationState> { [CompanyId] = CompanyWith() }, Now)
            .ThenRefused("not_a_provider");
        Offer.Decide(Publish(providerId: "org_nobody"), null, ClubWith(), null, Providers, Now)
            .ThenRefused("organization_not_found").Detail.ShouldContain("org_nobody");
    }
}
