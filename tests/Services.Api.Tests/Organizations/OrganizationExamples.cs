using Services.Api.Common;
using Services.Api.Organizations;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Organizations;

public static class OrganizationExamples
{
    public const string ClubId = "org_club";
    public const string CompanyId = "org_company";
    public const string OtherCompanyId = "org_other_company";
    public const string PartnerId = "org_partner";
    public const string ProviderId = "org_provider";
    public const string Territory = "grand-figeac";
    public const string ValidSiret = "73282932000074";

    public static OrganizationRegistered Registered(string id, OrganizationKind kind, string? siret = null) =>
        new(id, kind, $"{kind} {id}", [Territory], siret, Now.AddDays(-60));

    public static OrganizationRegistered ClubRegistered() => Registered(ClubId, OrganizationKind.Club);

    public static OrganizationRegistered CompanyRegistered(string id = CompanyId) => Registered(id, OrganizationKind.Company, ValidSiret);

    public static OrganizationState ClubWith(params object[] then) => Given<OrganizationState>(Organization.Evolve, [ClubRegistered(), .. then])!;

    public static OrganizationState CompanyWith(params object[] then) => Given<OrganizationState>(Organization.Evolve, [CompanyRegistered(), .. then])!;

    public static OrganizationState Partner() => Given<OrganizationState>(Organization.Evolve, Registered(PartnerId, OrganizationKind.Partner))!;

    /// <summary>The partner, serving another territory than <see cref="Territory"/> only.</summary>
    public static OrganizationState PartnerElsewhere() => Partner() with { Territories = ["ouest-rhodanien"] };

    public static OrganizationState Provider() => Given<OrganizationState>(Organization.Evolve, Registered(ProviderId, OrganizationKind.Provider))!;
}
