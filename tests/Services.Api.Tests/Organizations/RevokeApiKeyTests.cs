using Services.Api.Organizations;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Organizations;

public sealed class RevokeApiKeyTests
{
    private static readonly ApiKeyIssued Issued = new("key_hr", "HR software", "sk_live_ab12");

    [Fact]
    public void An_issued_key_is_revoked() =>
        Organization.Decide(new RevokeApiKey(CompanyId, "key_hr"), CompanyWith(Issued), Now)
            .Then(new ApiKeyRevoked("key_hr"));

    [Fact]
    public void An_unknown_key_is_not_revoked() =>
        Organization.Decide(new RevokeApiKey(CompanyId, "key_other"), CompanyWith(Issued), Now)
            .ThenRefused("api_key_not_found");

    [Fact]
    public void A_key_is_revoked_once() =>
        Organization.Decide(new RevokeApiKey(CompanyId, "key_hr"), CompanyWith(Issued, new ApiKeyRevoked("key_hr")), Now)
            .ThenRefused("api_key_revoked");
}
