using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.Security;

namespace Services.Api.Needs;

public static class GetNeedEndpoint
{
    public static void MapGetNeed(this IEndpointRouteBuilder needs) =>
        needs.MapGet("/{needId}", Handle)
            .WithName("getNeed")
            .AcceptsIfNoneMatch()
            .WithSummary("Read a need")
            .WithDescription("Visible to the recording company, the clubs and partners whose territories include the need's territory, and the operator.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<NeedResponse>, ProblemHttpResult>> Handle(
        string needId, Caller caller, EventStore.EventStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var loaded = await store.LoadAsync(Need.Stream(needId), cancellationToken);
        if (loaded.State is null) return Problems.NotFound("need");
        var callerState = Need.NeedsCallerState(caller)
            ? (await store.LoadAsync(Organization.Stream(caller.OrganizationId), cancellationToken)).State
            : null;
        if (!Need.IsVisibleTo(loaded.State, caller, callerState)) return Problems.NotFound("need");
        ETags.Set(http.Response, loaded.Version);
        return TypedResults.Ok(NeedResponse.From(loaded.State, caller));
    }
}
