using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Organizations;

/// <summary>An organization as the API shows it. Members are listed to the club itself and the operator.</summary>
/// <param name="Kind">club, company, provider, partner (a public body that co-funds), or operator.</param>
/// <param name="Territories">The territories it belongs to.</param>
/// <param name="Siret">The French establishment number (14 digits), when given.</param>
/// <param name="Members">A club's member companies, to the club itself and the operator; null otherwise.</param>
/// <param name="Id">The organization's id (`org_…`).</param>
/// <param name="Name">Its name, as registered or renamed.</param>
public sealed record OrganizationResponse(
    string Id,
    OrganizationKind Kind,
    string Name,
    IReadOnlyList<string> Territories,
    string? Siret,
    IReadOnlyList<string>? Members)
{
    public static OrganizationResponse From(OrganizationState state, Caller caller) => new(
        state.Id, state.Kind, state.Name, state.Territories, state.Siret,
        state.Kind == OrganizationKind.Club && (caller.IsOperator || caller.OrganizationId == state.Id) ? [.. state.Members.Order(StringComparer.Ordinal)] : null);
}

public static partial class Organization
{
    public static StreamRef<OrganizationState> Stream(string organizationId) => new(StreamId(organizationId), StreamType, Evolve);

    /// <summary>Clubs, providers and partners are public; a company is seen by itself, the operator and its clubs.</summary>
    public static bool IsVisibleTo(OrganizationState organization, Caller caller, OrganizationState? callerState) =>
        caller.IsOperator
        || caller.OrganizationId == organization.Id
        || organization.Kind != OrganizationKind.Company
        || callerState is { Kind: OrganizationKind.Club } club && club.Members.Contains(organization.Id);

    /// <summary>Only the organization itself and the operator manage its name and keys.</summary>
    public static bool IsManagedBy(string organizationId, Caller caller) => caller.IsOperator || caller.OrganizationId == organizationId;
}

public static class OrganizationEndpoints
{
    public static IEndpointRouteBuilder MapOrganizations(this IEndpointRouteBuilder v1)
    {
        var organizations = v1.MapGroup("/organizations").WithTags("Organizations");
        organizations.MapRegisterOrganization();
        organizations.MapGetOrganization();
        organizations.MapListOrganizations();
        v1.MapGetCaller();
        organizations.MapRenameOrganization();
        organizations.MapApiKeys();
        organizations.MapIssueApiKey();
        organizations.MapRevokeApiKey();
        var clubs = v1.MapGroup("/clubs/{clubId}/members").WithTags("Organizations");
        clubs.MapAdmitMember();
        clubs.MapRemoveMember();
        clubs.MapListMembers();
        v1.MapListMemberships();
        return v1;
    }
}
