using Services.Api.Organizations;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Organizations;

public sealed class IssueApiKeyTests
{
    [Fact]
    public void A_key_is_issued_with_its_label_and_prefix_only() =>
        Organization.Decide(new IssueApiKey(CompanyId, "key_hr", "HR software", "sk_live_ab12"), CompanyWith(), Now)
            .Then(new ApiKeyIssued("key_hr", "HR software", "sk_live_ab12", Now));

    [Fact]
    public void A_key_id_is_issued_once() =>
        Organization.Decide(new IssueApiKey(CompanyId, "key_hr", "Intranet", "sk_live_cd34"), CompanyWith(new ApiKeyIssued("key_hr", "HR software", "sk_live_ab12")), Now)
            .ThenRefused("api_key_exists");

    [Fact]
    public void An_organization_holds_a_bounded_number_of_active_keys_and_a_revoked_one_makes_room()
    {
        object[] issued = [.. Enumerable.Range(0, Organization.MaxActiveApiKeys).Select(i => new ApiKeyIssued($"key_{i}", "Integration", "sk_live_ab12"))];
        var command = new IssueApiKey(CompanyId, "key_next", "Rotation", "sk_live_cd34");

        Organization.Decide(command, CompanyWith(issued), Now).ThenRefused("api_key_limit_reached");
        Organization.Decide(command, CompanyWith([.. issued, new ApiKeyRevoked("key_0")]), Now)
            .Then(new ApiKeyIssued("key_next", "Rotation", "sk_live_cd34", Now));
    }

    [Fact]
    public void An_unknown_organization_gets_no_key() =>
        Organization.Decide(new IssueApiKey(CompanyId, "key_hr", "HR software", "sk_live_ab12"), null, Now)
            .ThenRefused("organization_not_found");
}
