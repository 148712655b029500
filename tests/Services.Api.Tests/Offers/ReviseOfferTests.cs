using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Organizations;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Offers;

public sealed class ReviseOfferTests
{
    private static ReviseOffer Revise(CoFunding? coFunding = null) => new(
        OfferId, "Morning and evening shuttle", "Both ways now.", [Territory, "causse-de-labastide"],
        Money.Euros(2_500), Money.Euros(250), coFunding, [ProviderId, SecondDriverId]);

    private const string SecondDriverId = "org_second_driver";

    private static readonly Dictionary<string, OrganizationState> Providers = new()
    {
        [ProviderId] = Provider(),
        [SecondDriverId] = Given<OrganizationState>(Organization.Evolve, Registered(SecondDriverId, OrganizationKind.Provider))!,
    };

    [Fact]
    public void A_revision_carries_every_revisable_field() =>
        Offer.Decide(Revise(new CoFunding(PartnerId, 5_000)), OfferWith(), Partner(), Providers, Now).Then(new OfferRevised(
            "Morning and evening shuttle", "Both ways now.", [Territory, "causse-de-labastide"],
            Money.Euros(2_500), Money.Euros(250), new CoFunding(PartnerId, 5_000), [ProviderId, SecondDriverId]));

    [Fact]
    public void A_revision_that_changes_nothing_is_no_event()
    {
        var offer = OfferWith();
        var same = new ReviseOffer(offer.Id, offer.Title, offer.Description, offer.Territories, offer.MonthlyFee, offer.UnitPrice, offer.CoFunding, offer.ProviderIds);

        Offer.Decide(same, offer, null, Providers, Now).ThenAccepted().ShouldBeEmpty();
        Offer.Decide(same with { UnitPrice = Money.Euros(1) }, offer, null, Providers, Now).ThenAccepted().Count.ShouldBe(1);
        Offer.Decide(same with { Territories = [.. offer.Territories, "causse-de-labastide"] }, offer, null, Providers, Now).ThenAccepted().Count.ShouldBe(1);
    }

    [Fact]
    public void A_suspended_offer_may_be_revised() =>
        Offer.Decide(Revise(), OfferWith(new OfferSuspended(null)), null, Providers, Now).ThenAccepted().Count.ShouldBe(1);

    [Fact]
    public void A_withdrawn_offer_is_not_revised() =>
        Offer.Decide(Revise(), OfferWith(new OfferWithdrawn()), null, Providers, Now).ThenRefused("offer_withdrawn");

    [Fact]
    public void Only_a_partner_co_funds_a_revised_offer() =>
        Offer.Decide(Revise(new CoFunding(ClubId, 5_000)), OfferWith(), ClubWith(), Providers, Now).ThenRefused("not_a_partner");

    [Fact]
    public void A_revised_co_funding_partner_serves_one_of_the_revised_territories()
    {
        var coFunded = OfferWith(new OfferRevised("Morning shuttle", "From Figeac station.", [Territory], Money.Euros(2_000), Money.Euros(300), new CoFunding(PartnerId, 5_000), [ProviderId]));

        Offer.Decide(Revise(new CoFunding(PartnerId, 5_000)), OfferWith(), PartnerElsewhere(), Providers, Now).ThenRefused("partner_outside_territories");
        Offer.Decide(Revise(new CoFunding(PartnerId, 5_000)) with { Territories = ["causse-de-labastide"] }, coFunded, Partner(), Providers, Now)
            .ThenRefused("partner_outside_territories");
    }

    [Fact]
    public void Co_funding_agreed_before_the_territory_rule_stands_while_neither_changes()
    {
        var coFundedElsewhere = OfferWith(new OfferRevised("Morning shuttle", "From Figeac station.", [Territory], Money.Euros(2_000), Money.Euros(300), new CoFunding(PartnerId, 5_000), [ProviderId]));
        var retitled = new ReviseOffer(OfferId, "Shuttle", "From Figeac station.", [Territory], Money.Euros(2_000), Money.Euros(300), new CoFunding(PartnerId, 5_000), [ProviderId]);

        Offer.Decide(retitled, coFundedElsewhere, PartnerElsewhere(), Providers, Now).ThenAccepted().Count.ShouldBe(1);
    }

    [Fact]
    public void An_unknown_offer_is_not_revised() =>
        Offer.Decide(Revise(), null, null, Providers, Now).ThenRefused("offer_not_found");

    [Fact]
    public void A_revised_offer_lists_registered_providers_only() =>
        Offer.Decide(Revise(), OfferWith(), null, new Dictionary<string, OrganizationState> { [ProviderId] = Provider(), [SecondDriverId] = ClubWith() }, Now)
            .ThenRefused("not_a_provider").Detail.ShouldContain(SecondDriverId);

    [Fact]
    public void Providers_already_listed_are_not_checked_again() =>
        Offer.Decide(Revise(), OfferWith(), null, new Dictionary<string, OrganizationState> { [SecondDriverId] = Provider() }, Now).ThenAccepted();
}
