using Services.Api.Organizations;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Organizations;

public sealed class RenameOrganizationTests
{
    [Fact]
    public void An_organization_is_renamed() =>
        Organization.Decide(new RenameOrganization(ClubId, "Mode d'Emplois"), ClubWith(), Now)
            .Then(new OrganizationRenamed("Mode d'Emplois"));

    [Fact]
    public void Renaming_to_the_current_name_changes_nothing() =>
        Organization.Decide(new RenameOrganization(ClubId, ClubWith().Name), ClubWith(), Now).Then();

    [Fact]
    public void An_unknown_organization_is_not_renamed() =>
        Organization.Decide(new RenameOrganization(ClubId, "Mode d'Emplois"), null, Now).ThenRefused("organization_not_found");
}
