using Services.Api.Needs;
using static Services.Api.Tests.Needs.NeedExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Needs;

public sealed class WithdrawNeedTests
{
    [Fact]
    public void An_open_need_is_withdrawn() =>
        Need.Decide(new WithdrawNeed(NeedId), NeedWith(new NeedAcknowledged(ClubId)), Now).Then(new NeedWithdrawn());

    [Fact]
    public void An_addressed_need_is_not_withdrawn() =>
        Need.Decide(new WithdrawNeed(NeedId), NeedWith(new NeedAddressed("off_shuttle", ClubId)), Now).ThenRefused("need_closed");

    [Fact]
    public void A_need_is_withdrawn_once() =>
        Need.Decide(new WithdrawNeed(NeedId), NeedWith(new NeedWithdrawn()), Now).ThenRefused("need_closed");

    [Fact]
    public void An_unknown_need_is_not_withdrawn() =>
        Need.Decide(new WithdrawNeed(NeedId), null, Now).ThenRefused("need_not_found");
}
