using Services.Api.Organizations;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Organizations;

public sealed class AdmitMemberTests
{
    [Fact]
    public void A_club_admits_a_company() =>
        Organization.Decide(new AdmitMember(ClubId, CompanyId), ClubWith(), CompanyWith(), Now)
            .Then(new MemberAdmitted(CompanyId));

    [Fact]
    public void A_removed_company_may_be_admitted_again() =>
        Organization.Decide(new AdmitMember(ClubId, CompanyId), ClubWith(new MemberAdmitted(CompanyId), new MemberRemoved(CompanyId)), CompanyWith(), Now)
            .Then(new MemberAdmitted(CompanyId));

    [Fact]
    public void Only_a_club_admits_members() =>
        Organization.Decide(new AdmitMember(PartnerId, CompanyId), Partner(), CompanyWith(), Now)
            .ThenRefused("not_a_club").Detail.ShouldContain("partner");

    [Fact]
    public void Only_a_company_is_admitted() =>
        Organization.Decide(new AdmitMember(ClubId, ProviderId), ClubWith(), Provider(), Now)
            .ThenRefused("not_a_company");

    [Fact]
    public void An_unknown_company_is_not_admitted() =>
        Organization.Decide(new AdmitMember(ClubId, CompanyId), ClubWith(), null, Now)
            .ThenRefused("organization_not_found").Detail.ShouldContain(CompanyId);

    [Fact]
    public void A_member_is_not_admitted_twice() =>
        Organization.Decide(new AdmitMember(ClubId, CompanyId), ClubWith(new MemberAdmitted(CompanyId)), CompanyWith(), Now)
            .ThenRefused("already_a_member");
}
