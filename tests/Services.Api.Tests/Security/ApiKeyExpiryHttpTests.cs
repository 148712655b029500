using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Security;

/// <summary>A key issued with expiresAt works until then and is refused from then on, kept in a node's cache or not.</summary>
public sealed class ApiKeyExpiryHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task An_expiring_key_works_until_its_expiry_and_is_then_refused_with_key_expired_cached_or_not()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        await using var node = api.WithClock(clock, ("Auth:KeyCache:Lifetime", "01:00:00"));
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var expiresAt = UtcInstantConverter.ToMicrosecond(clock.GetUtcNow().AddHours(1));
        var used = await company.IssueKeyAsync("contractor", expiresAt);
        var unused = await company.IssueKeyAsync("contractor", expiresAt);
        used.ExpiresAt.ShouldBe(expiresAt);
        node.Operator().Dispose();
        await Eventually.WaitUntilAsync(() => Task.FromResult(node.Service<ApiKeyCache>().IsTrusted), "the node keeps keys");
        var withUsed = node.ClientFor(company with { Client = api.ClientWithKey(used.Key) });
        var withUnused = node.ClientFor(company with { Client = api.ClientWithKey(unused.Key) });

        (await withUsed.GetAsync($"/v1/organizations/{company.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        node.Service<ApiKeyCache>().TryGet(used.Id, out _).ShouldBeTrue();
        clock.Set(expiresAt.AddTicks(-10));
        (await withUsed.GetAsync($"/v1/organizations/{company.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        clock.Set(expiresAt);

        var refused = await (await withUsed.GetAsync($"/v1/organizations/{company.Id}")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ApiKeyAuthenticationHandler.ExpiredCode);
        refused.GetProperty("detail").GetString()!.ShouldContain(WireName.Of(expiresAt));
        node.Service<ApiKeyCache>().TryGet(used.Id, out _).ShouldBeTrue("the key the node kept is refused, not dropped at the cache's lifetime");
        await (await withUnused.GetAsync($"/v1/organizations/{company.Id}")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ApiKeyAuthenticationHandler.ExpiredCode);
        var listed = (await node.ClientFor(company).GetFromJsonAsync<Page<ApiKeyResponse>>($"/v1/organizations/{company.Id}/api-keys", ApiFixture.JsonOptions))!;
        listed.Data.Where(key => key.ExpiresAt is not null).Select(key => (key.Id, key.Status, key.ExpiresAt))
            .ShouldBe([(unused.Id, ApiKeyStatus.Expired, expiresAt), (used.Id, ApiKeyStatus.Expired, expiresAt)], ignoreOrder: true);
        listed.Data.Single(key => key.ExpiresAt is null).Status.ShouldBe(ApiKeyStatus.Active);
    }

    [Fact]
    public async Task A_revoked_key_stays_revoked_past_its_expiry_and_a_wrong_secret_learns_nothing_of_it()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        await using var node = api.WithClock(clock);
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var issued = await company.IssueKeyAsync("contractor", clock.GetUtcNow().AddMinutes(5));
        clock.Advance(TimeSpan.FromMinutes(10));

        await (await node.ClientFor(company with { Client = api.ClientWithKey(issued.Key[..^64] + new string('0', 64)) }).GetAsync($"/v1/organizations/{company.Id}"))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        (await company.Client.DeleteAsync($"/v1/organizations/{company.Id}/api-keys/{issued.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await node.ClientFor(company).GetFromJsonAsync<ApiKeyResponse>($"/v1/organizations/{company.Id}/api-keys/{issued.Id}", ApiFixture.JsonOptions))!
            .Status.ShouldBe(ApiKeyStatus.Revoked);
    }

    [Fact]
    public async Task An_expiry_in_the_past_or_more_than_two_years_ahead_is_400_naming_expiresAt()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var now = DateTimeOffset.UtcNow;

        foreach (var expiresAt in new[] { now.AddMinutes(-1), now.AddYears(Organization.MaxApiKeyYears).AddDays(1) })
            await (await company.Client.PostAsJsonAsync($"/v1/organizations/{company.Id}/api-keys", new IssueApiKeyRequest("contractor", ExpiresAt: expiresAt), ApiFixture.JsonOptions))
                .ShouldBeInvalidAsync("expiresAt");
        (await company.IssueKeyAsync("contractor", now.AddYears(Organization.MaxApiKeyYears).AddDays(-1))).ExpiresAt.ShouldNotBeNull();
        (await company.IssueKeyAsync("contractor", null)).ExpiresAt.ShouldBeNull();
    }
}
