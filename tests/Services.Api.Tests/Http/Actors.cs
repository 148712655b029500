using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Organizations;
using Services.Client;
using Wire = Services.Client.Models;

namespace Services.Api.Tests.Http;

/// <summary>
/// An organization registered through the API (with the integrators' typed client, so every
/// HTTP test exercises it), with an HttpClient acting on its own key.
/// </summary>
public sealed record Actor(string Id, OrganizationKind Kind, HttpClient Client);

public static class Actors
{
    public static Task<Actor> RegisterAsync(this ApiFixture api, OrganizationKind kind, string territory = "grand-figeac", string? name = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        return RegisterAsync(api.Operator, api.ClientWithKey, kind, territory, name);
    }

    /// <summary>Same, on any instance of the API: <paramref name="clientWithKey"/> makes a client of that instance.</summary>
    public static async Task<Actor> RegisterAsync(HttpClient operatorHttp, Func<string, HttpClient> clientWithKey, OrganizationKind kind, string territory = "grand-figeac", string? name = null)
    {
        ArgumentNullException.ThrowIfNull(clientWithKey);
        var (id, key) = await new ServicesClient(operatorHttp).RegisterWithKeyAsync(Enum.Parse<Wire.OrganizationKind>(kind.ToString()), territory, name);
        return new Actor(id, kind, clientWithKey(key));
    }

    /// <summary>A company already admitted to <paramref name="club"/>.</summary>
    public static async Task<Actor> RegisterMemberAsync(this ApiFixture api, Actor club, string territory = "grand-figeac")
    {
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        await new ServicesClient(club.Client).AdmitMemberAsync(club.Id, new Wire.AdmitMemberRequest { CompanyId = company.Id });
        return company;
    }

    /// <summary>A new key of <paramref name="organization"/>, issued by itself.</summary>
    public static async Task<IssuedApiKeyResponse> IssueKeyAsync(this Actor organization, string label = "intranet", DateTimeOffset? expiresAt = null)
    {
        ArgumentNullException.ThrowIfNull(organization);
        var issued = await organization.Client.PostAsJsonAsync($"/v1/organizations/{organization.Id}/api-keys", new IssueApiKeyRequest(label, ExpiresAt: expiresAt), ApiFixture.JsonOptions);
        issued.StatusCode.ShouldBe(HttpStatusCode.Created);
        return (await issued.Content.ReadFromJsonAsync<IssuedApiKeyResponse>(ApiFixture.JsonOptions))!;
    }
}
