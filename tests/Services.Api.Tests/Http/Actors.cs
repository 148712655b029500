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
    private static int _sirets;

    public static Task<Actor> RegisterAsync(this ApiFixture api, OrganizationKind kind, string territory = "grand-figeac", string? name = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        return RegisterAsync(api.Operator, api.ClientWithKey, kind, territory, name);
    }

    /// <summary>Same, on any instance of the API: <paramref name="clientWithKey"/> makes a client of that instance.</summary>
    public static async Task<Actor> RegisterAsync(HttpClient operatorHttp, Func<string, HttpClient> clientWithKey, OrganizationKind kind, string territory = "grand-figeac", string? name = null)
    {
        ArgumentNullException.ThrowIfNull(clientWithKey);
        var operatorClient = new ServicesClient(operatorHttp);
        var organization = (await operatorClient.RegisterOrganizationAsync(new Wire.RegisterOrganizationRequest
        {
            Kind = Enum.Parse<Wire.OrganizationKind>(kind.ToString()),
            Name = name ?? $"{kind} {Guid.NewGuid():N}"[..20],
            Territories = [territory],
            Siret = kind == OrganizationKind.Company ? NextSiret() : null,
        })).Value;
        var key = (await operatorClient.IssueApiKeyAsync(organization.Id, new Wire.IssueApiKeyRequest { Label = "tests" })).Value;
        return new Actor(organization.Id, kind, clientWithKey(key.Key));
    }

    /// <summary>A company already admitted to <paramref name="club"/>.</summary>
    public static async Task<Actor> RegisterMemberAsync(this ApiFixture api, Actor club, string territory = "grand-figeac")
    {
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        await new ServicesClient(club.Client).AdmitMemberAsync(club.Id, new Wire.AdmitMemberRequest { CompanyId = company.Id });
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
