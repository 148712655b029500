using Services.Api.Needs;
using Services.Api.Organizations;
using static Services.Api.Tests.Needs.NeedExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Needs;

public sealed class AcknowledgeNeedTests
{
    private static readonly AcknowledgeNeed Command = new(NeedId, ClubId);

    [Fact]
    public void A_club_serving_the_territory_acknowledges_a_need() =>
        Need.Decide(Command, NeedWith(), ClubWith(), Now).Then(new NeedAcknowledged(ClubId));

    [Fact]
    public void Acknowledging_twice_changes_nothing() =>
        Need.Decide(Command, NeedWith(new NeedAcknowledged(ClubId)), ClubWith(), Now).Then();

    [Fact]
    public void A_club_acknowledges_needs_of_its_territories_only() =>
        Need.Decide(
                Command, NeedWith(),
                Given<OrganizationState>(Organization.Evolve, ClubRegistered() with { Territories = ["ouest-rhodanien"] }), Now)
            .ThenRefused("territory_not_served").Detail.ShouldContain(Territory);

    [Fact]
    public void Only_a_club_acknowledges_a_need() =>
        Need.Decide(Command with { ClubId = PartnerId }, NeedWith(), Partner(), Now).ThenRefused("not_a_club");

    [Fact]
    public void An_addressed_need_is_closed() =>
        Need.Decide(Command, NeedWith(new NeedAddressed("off_shuttle", ClubId)), ClubWith(), Now).ThenRefused("need_closed");

    [Fact]
    public void A_withdrawn_need_is_closed() =>
        Need.Decide(Command, NeedWith(new NeedWithdrawn()), ClubWith(), Now).ThenRefused("need_closed");

    [Fact]
    public void An_unknown_need_is_not_acknowledged() =>
        Need.Decide(Command, null, ClubWith(), Now).ThenRefused("need_not_found");
}
