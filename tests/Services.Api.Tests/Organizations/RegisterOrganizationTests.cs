using Services.Api.Common;
using Services.Api.Organizations;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Organizations;

public sealed class RegisterOrganizationTests
{
    [Fact]
    public void A_company_is_registered_with_its_siret() =>
        Organization.Decide(new RegisterOrganization(CompanyId, OrganizationKind.Company, "Ateliers du Célé", [Territory], ValidSiret), null, Now)
            .Then(new OrganizationRegistered(CompanyId, OrganizationKind.Company, "Ateliers du Célé", [Territory], ValidSiret, Now));

    [Fact]
    public void A_club_is_registered_without_a_siret() =>
        Organization.Decide(new RegisterOrganization(ClubId, OrganizationKind.Club, "Figeacteurs", [Territory, "causse-de-labastide"], null), null, Now)
            .Then(new OrganizationRegistered(ClubId, OrganizationKind.Club, "Figeacteurs", [Territory, "causse-de-labastide"], null, Now));

    [Fact]
    public void An_organization_is_registered_once() =>
        Organization.Decide(new RegisterOrganization(ClubId, OrganizationKind.Club, "Figeacteurs", [Territory], null), ClubWith(), Now)
            .ThenRefused("organization_exists");

    [Fact]
    public void A_company_without_a_siret_is_refused() =>
        Organization.Decide(new RegisterOrganization(CompanyId, OrganizationKind.Company, "Ateliers du Célé", [Territory], null), null, Now)
            .ThenRefused("siret_required");

    [Theory]
    [InlineData(OrganizationKind.Club)]
    [InlineData(OrganizationKind.Provider)]
    [InlineData(OrganizationKind.Partner)]
    public void Only_a_company_has_a_siret(OrganizationKind kind) =>
        Organization.Decide(new RegisterOrganization(ClubId, kind, "Figeacteurs", [Territory], ValidSiret), null, Now)
            .ThenRefused("siret_not_applicable");

    [Fact]
    public void A_company_with_an_invalid_siret_is_refused_naming_it() =>
        Organization.Decide(new RegisterOrganization(CompanyId, OrganizationKind.Company, "Ateliers du Célé", [Territory], "73282932000075"), null, Now)
            .ThenRefused("invalid_siret").Detail.ShouldContain("73282932000075");
}
