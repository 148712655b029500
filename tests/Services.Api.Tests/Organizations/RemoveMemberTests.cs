using Services.Api.Organizations;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Organizations;

public sealed class RemoveMemberTests
{
    [Fact]
    public void A_club_removes_a_member() =>
        Organization.Decide(new RemoveMember(ClubId, CompanyId), ClubWith(new MemberAdmitted(CompanyId)), Now)
            .Then(new MemberRemoved(CompanyId, Now));

    [Fact]
    public void A_company_that_is_not_a_member_is_not_removed() =>
        Organization.Decide(new RemoveMember(ClubId, CompanyId), ClubWith(new MemberAdmitted(CompanyId), new MemberRemoved(CompanyId)), Now)
            .ThenRefused("not_a_member");

    [Fact]
    public void Only_a_club_has_members() =>
        Organization.Decide(new RemoveMember(CompanyId, OtherCompanyId), CompanyWith(), Now)
            .ThenRefused("not_a_club");
}
