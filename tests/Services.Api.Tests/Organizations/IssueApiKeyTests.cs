using System.Text.Json;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.Security;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Organizations;

public sealed class IssueApiKeyTests
{
    [Theory]
    [InlineData(ApiKeyAccess.Full)]
    [InlineData(ApiKeyAccess.Read)]
    public void A_key_is_issued_with_its_label_prefix_and_access_only(ApiKeyAccess access) =>
        Organization.Decide(new IssueApiKey(CompanyId, "key_hr", "HR software", "sk_live_ab12", access), CompanyWith(), Now)
            .Then(new ApiKeyIssued("key_hr", "HR software", "sk_live_ab12", Now, access));

    [Fact]
    public void A_read_key_stays_read_in_the_organization_it_was_issued_to() =>
        CompanyWith(new ApiKeyIssued("key_hr", "Dashboard", "svc_", Now, ApiKeyAccess.Read)).ApiKeys["key_hr"].Access.ShouldBe(ApiKeyAccess.Read);

    [Fact]
    public void A_key_issued_before_keys_could_be_restricted_is_full()
    {
        var stored = JsonSerializer.Deserialize<ApiKeyIssued>("""{"keyId":"key_hr","label":"HR software","prefix":"svc_","issuedAt":"2024-01-02T03:04:05Z"}""", Json.ForEvents())!;

        CompanyWith(stored).ApiKeys["key_hr"].Access.ShouldBe(ApiKeyAccess.Full);
    }

    [Fact]
    public void The_access_is_stored_with_the_event_by_its_wire_name() =>
        JsonSerializer.Serialize(new ApiKeyIssued("key_hr", "Dashboard", "svc_", Now, ApiKeyAccess.Read), Json.ForEvents()).ShouldContain("\"access\":\"read\"");

    [Fact]
    public void A_key_id_is_issued_once() =>
        Organization.Decide(new IssueApiKey(CompanyId, "key_hr", "Intranet", "sk_live_cd34", ApiKeyAccess.Full), CompanyWith(new ApiKeyIssued("key_hr", "HR software", "sk_live_ab12")), Now)
            .ThenRefused("api_key_exists");

    [Fact]
    public void An_organization_holds_a_bounded_number_of_active_keys_and_a_revoked_one_makes_room()
    {
        object[] issued = [.. Enumerable.Range(0, Organization.MaxActiveApiKeys).Select(i => new ApiKeyIssued($"key_{i}", "Integration", "sk_live_ab12"))];
        var command = new IssueApiKey(CompanyId, "key_next", "Rotation", "sk_live_cd34", ApiKeyAccess.Full);

        Organization.Decide(command, CompanyWith(issued), Now).ThenRefused("api_key_limit_reached");
        Organization.Decide(command, CompanyWith([.. issued, new ApiKeyRevoked("key_0")]), Now)
            .Then(new ApiKeyIssued("key_next", "Rotation", "sk_live_cd34", Now, ApiKeyAccess.Full));
    }

    [Fact]
    public void A_key_given_an_expiry_records_it_and_one_issued_before_keys_could_expire_never_does()
    {
        Organization.Decide(new IssueApiKey(CompanyId, "key_hr", "Contractor", "svc_", ApiKeyAccess.Full, Now.AddDays(30)), CompanyWith(), Now)
            .Then(new ApiKeyIssued("key_hr", "Contractor", "svc_", Now, ApiKeyAccess.Full, Now.AddDays(30)));
        var stored = JsonSerializer.Deserialize<ApiKeyIssued>("""{"keyId":"key_hr","label":"HR software","prefix":"svc_","issuedAt":"2024-01-02T03:04:05Z","access":"full"}""", Json.ForEvents())!;

        CompanyWith(stored).ApiKeys["key_hr"].ExpiresAt.ShouldBeNull();
        CompanyWith(stored).ApiKeys["key_hr"].HasExpired(Now.AddYears(50)).ShouldBeFalse();
    }

    [Fact]
    public void An_expired_key_makes_room_as_a_revoked_one_does()
    {
        object[] issued = [.. Enumerable.Range(0, Organization.MaxActiveApiKeys).Select(i => new ApiKeyIssued($"key_{i}", "Integration", "svc_", Now, ApiKeyAccess.Full, i == 0 ? Now.AddHours(1) : null))];
        var command = new IssueApiKey(CompanyId, "key_next", "Rotation", "svc_", ApiKeyAccess.Full);

        Organization.Decide(command, CompanyWith(issued), Now).ThenRefused("api_key_limit_reached");
        Organization.Decide(command, CompanyWith(issued), Now.AddHours(1)).Then(new ApiKeyIssued("key_next", "Rotation", "svc_", Now.AddHours(1), ApiKeyAccess.Full));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(-60, true)]
    [InlineData(1, false)]
    [InlineData(60 * 24 * 365, false)]
    public void An_expiry_is_in_the_future(int minutesAhead, bool refused) =>
        new IssueApiKeyRequest("Contractor", ExpiresAt: Now.AddMinutes(minutesAhead)).Validate(Now).Errors.ContainsKey("expiresAt").ShouldBe(refused);

    [Fact]
    public void An_expiry_is_at_most_two_years_ahead()
    {
        new IssueApiKeyRequest("Contractor", ExpiresAt: Now.AddYears(Organization.MaxApiKeyYears)).Validate(Now).IsValid.ShouldBeTrue();
        new IssueApiKeyRequest("Contractor", ExpiresAt: Now.AddYears(Organization.MaxApiKeyYears).AddTicks(10)).Validate(Now).Errors["expiresAt"].Single().ShouldContain("2 years");
    }

    [Fact]
    public void An_unknown_organization_gets_no_key() =>
        Organization.Decide(new IssueApiKey(CompanyId, "key_hr", "HR software", "sk_live_ab12", ApiKeyAccess.Full), null, Now)
            .ThenRefused("organization_not_found");
}
