using Siret = Services.Api.Organizations.Siret;
using Services.Client;
using Services.Client.Models;

namespace Services.Testing;

/// <summary>Organizations registered by the operator through the integrators' typed client, each with a key of its own.</summary>
public static class Registrations
{
    private static int _sirets;

    /// <summary>
    /// A new organization of <paramref name="kind"/> in <paramref name="territory"/>, and an API key issued to it. A company or a
    /// provider joins only a territory a club or a partner opened: where none has yet, a partner opens it first (tests of that
    /// rule register through HTTP themselves).
    /// </summary>
    public static async Task<(string Id, string Key)> RegisterWithKeyAsync(this ServicesClient operatorClient, OrganizationKind kind, string territory,
        string? name = null, string keyLabel = "tests")
    {
        ArgumentNullException.ThrowIfNull(operatorClient);
        var request = new RegisterOrganizationRequest
        {
            Kind = kind,
            Name = name ?? $"{kind} {Guid.NewGuid():N}"[..20],
            Territories = [territory],
            Siret = kind == OrganizationKind.Company ? NextSiret() : null,
        };
        OrganizationResponse organization;
        try
        {
            organization = (await operatorClient.RegisterOrganizationAsync(request)).Value;
        }
        catch (ServicesApiException ex) when (ex.Code == "territory_not_covered")
        {
            await operatorClient.RegisterOrganizationAsync(new RegisterOrganizationRequest { Kind = OrganizationKind.Partner, Name = $"Opens {territory}", Territories = [territory] });
            organization = (await operatorClient.RegisterOrganizationAsync(request)).Value;
        }
        var key = (await operatorClient.IssueApiKeyAsync(organization.Id, new IssueApiKeyRequest { Label = keyLabel })).Value;
        return (organization.Id, key.Key);
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
