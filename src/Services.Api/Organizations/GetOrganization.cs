using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Organizations;

public static class GetOrganizationEndpoint
{
    public static void MapGetOrganization(this IEndpointRouteBuilder organizations) =>
        organizations.MapGet("/{organizationId}", Handle)
            .WithName("getOrganization")
            .AcceptsIfNoneMatch()
            .WithSummary("Read an organization")
            .WithDescription("Clubs, providers and partners are public; a company is read by itself, the operator and the clubs it is a member of (404 to anyone else). A club's members are listed to the club itself and the operator. The ETag is its version.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<OrganizationResponse>, ProblemHttpResult>> Handle(
        string organizationId, Caller caller, EventStore.EventStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var loaded = await store.LoadAsync(Organization.Stream(organizationId), cancellationToken);
        if (loaded.State is null) return Problems.NotFound("organization");
        var callerState = loaded.State.Id == caller.OrganizationId || caller.IsOperator
            ? null
            : (await store.LoadAsync(Organization.Stream(caller.OrganizationId), cancellationToken)).State;
        if (!Organization.IsVisibleTo(loaded.State, caller, callerState)) return Problems.NotFound("organization");
        ETags.Set(http.Response, loaded.Version);
        return TypedResults.Ok(OrganizationResponse.From(loaded.State, caller));
    }
}
