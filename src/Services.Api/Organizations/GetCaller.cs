using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Organizations;

/// <summary>Who an API key acts for.</summary>
/// <param name="OrganizationId">The organization the key belongs to: the id the paths that name an organization ask for; `operator` for the operator key.</param>
/// <param name="KeyId">The key's id (`key_…`), as listApiKeys shows it; null for the operator key, which is no organization's.</param>
/// <param name="Organization">The organization as getOrganization shows it; null for the operator.</param>
/// <param name="Kind">What the key may do: club, company, provider, partner, or operator (everything).</param>
/// <param name="Access">full, or read: this key may only read (GET), whatever its kind allows. The operator key is full.</param>
public sealed record CallerResponse(string OrganizationId, OrganizationKind Kind, ApiKeyAccess Access, string? KeyId, OrganizationResponse? Organization);

public static class GetCallerEndpoint
{
    public static void MapGetCaller(this IEndpointRouteBuilder v1) =>
        v1.MapGet("/me", Handle)
            .WithTags("Organizations")
            .WithName("getCaller")
            .WithSummary("Who this API key acts for")
            .WithDescription("The organization and key behind the Authorization header: an integration's first call, to learn its organizationId "
                + "(asked for by getCompanyUsage, listApiKeys…), its kind, its territories and whether this key may only read.");

    private static async Task<Ok<CallerResponse>> Handle(Caller caller, HttpContext http, EventStore.EventStore store, CancellationToken cancellationToken)
    {
        if (caller.IsOperator) return TypedResults.Ok(new CallerResponse(caller.OrganizationId, caller.Kind, caller.Access, null, null));
        var organization = (await store.LoadAsync(Organization.Stream(caller.OrganizationId), cancellationToken)).State;
        return TypedResults.Ok(new CallerResponse(caller.OrganizationId, caller.Kind, caller.Access, http.User.FindFirstValue(Caller.KeyClaim),
            organization is null ? null : OrganizationResponse.From(organization, caller)));
    }
}
