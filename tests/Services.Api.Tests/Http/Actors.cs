using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Organizations;

namespace Services.Api.Tests.Http;

/// <summary>An organization registered through the API, with a client acting on its own key.</summary>
public sealed record Actor(string Id, OrganizationKind Kind, HttpClient Client);

public static class Actors
{
    private static int _sirets;

    public static async Task<Actor> RegisterAsync(this ApiFixture api, OrganizationKind kind, string territory = "grand-figeac", string? name = null)
    {
        var siret = kind == OrganizationKind.Company ? NextSiret() : null;
        var registered = await api.Operator.PostAsJsonAsync("/v1/organizations",
            new RegisterOrganizationRequest(kind, name ?? $"{kind} {Guid.NewGuid():N}"[..20], [territory], siret), ApiFixture.JsonOptions);
        registered.StatusCode.ShouldBe(HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
        var organization = (await registered.Content.ReadFromJsonAsync<OrganizationResponse>(ApiFixture.JsonOptions))!;
        var issued = await api.Operator.PostAsJsonAsync($"/v1/organizations/{organization.Id}/api-keys", new IssueApiKeyRequest("tests"), ApiFixture.JsonOptions);
        issued.StatusCode.ShouldBe(HttpStatusCode.Created, await issued.Content.ReadAsStringAsync());
        var key = (await issued.Content.ReadFromJsonAsync<IssuedApiKeyResponse>(ApiFixture.JsonOptions))!;
        return new Actor(organization.Id, kind, api.ClientWithKey(key.Key));
    }

    /// <summary>A company already admitted to <paramref name="club"/>.</summary>
    public static async Task<Actor> RegisterMemberAsync(this ApiFixture api, Actor club, string territory = "grand-figeac")
    {
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        var admitted = await club.Client.PostAsJsonAsync($"/v1/clubs/{club.Id}/members", new AdmitMemberRequest(company.Id), ApiFixture.JsonOptions);
        admitted.StatusCode.ShouldBe(HttpStatusCode.OK, await admitted.Content.ReadAsStringAsync());
        return company;
    }

    /// <summary>Distinct valid SIRETs: a 13-digit base and its Luhn check digit.</summary>
    public static string NextSiret()
    {
        var body = (100_000_000_000L + Interlocked.Increment(ref _sirets) * 7919L + Environment.ProcessId).ToString("D13", System.Globalization.CultureInfo.InvariantCulture);
        for (var check = 0; check < 10; check++)
        {
            var candidate = body + check;
            if (Siret.IsValid(candidate)) return candidate;
        }
        throw new InvalidOperationException("unreachable: one check digit always satisfies Luhn");
    }
}
