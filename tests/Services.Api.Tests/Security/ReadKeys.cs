using System.Net;
using System.Net.Http.Json;
using Services.Api.Organizations;
using Services.Api.Security;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Security;

internal static class ReadKeys
{
    /// <summary>A key of access read for <paramref name="organization"/>, and the organization acting with it.</summary>
    public static async Task<(string KeyId, Actor Reader)> IssueReadKeyAsync(this ApiFixture api, Actor organization)
    {
        var issued = await organization.Client.PostAsJsonAsync($"/v1/organizations/{organization.Id}/api-keys",
            new IssueApiKeyRequest("Availability dashboard", ApiKeyAccess.Read), ApiFixture.JsonOptions);
        issued.StatusCode.ShouldBe(HttpStatusCode.Created, await issued.Content.ReadAsStringAsync());
        var key = (await issued.Content.ReadFromJsonAsync<IssuedApiKeyResponse>(ApiFixture.JsonOptions))!;
        key.Access.ShouldBe(ApiKeyAccess.Read);
        return (key.Id, organization with { Client = api.ClientWithKey(key.Key) });
    }
}
