using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.Security;
using Services.EventStore.Projections;

namespace Services.Api.Admin;

public sealed record ProjectionStatusResponse(
    string Name,
    string Position,
    long LagEvents,
    double LagSeconds,
    string? Owner,
    DateTimeOffset? LeaseUntil,
    string State,
    string? LastError,
    DateTimeOffset UpdatedAt);

public sealed record RebuildStartedResponse(string Name, string State);

public static class ProjectionsAdmin
{
    public static IEndpointRouteBuilder MapProjectionsAdmin(this IEndpointRouteBuilder v1)
    {
        var projections = v1.MapGroup("/admin/projections").WithTags("Administration").AllowKinds();
        projections.MapGet("", List)
            .WithName("listProjections")
            .WithSummary("Read-model shards: position, lag, owner, state (operator)")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        projections.MapPost("/{name}/rebuild", Rebuild)
            .WithName("rebuildProjection")
            .WithSummary("Rebuild a read model from the events (operator)")
            .WithDescription("Empties the read model and replays every event; readers see it fill up again. Answers once the reset is done.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AnswersProblems(StatusCodes.Status503ServiceUnavailable, "rebuild_not_started");
        return v1;
    }

    private static async Task<Ok<IReadOnlyList<ProjectionStatusResponse>>> List(ProjectionDaemon daemon, CancellationToken cancellationToken)
    {
        var statuses = await daemon.GetStatusAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ProjectionStatusResponse>>(statuses
            .Select(s => new ProjectionStatusResponse(s.Name, s.Position.ToString(), s.LagEvents, Math.Round(s.LagAge.TotalSeconds, 3), s.Owner, s.LeaseUntil, s.Status, s.LastError, s.UpdatedAt))
            .ToList());
    }

    private static async Task<Results<Accepted<RebuildStartedResponse>, ProblemHttpResult>> Rebuild(string name, ProjectionDaemon daemon, HttpResponse response, CancellationToken cancellationToken)
    {
        var statuses = await daemon.GetStatusAsync(cancellationToken);
        if (statuses.All(s => s.Name != name)) return Problems.NotFound("projection");
        try
        {
            await daemon.RebuildAsync(name, TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (TimeoutException)
        {
            response.Headers.RetryAfter = "30";
            return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "rebuild_not_started", "Rebuild not started",
                "No node picked up the rebuild within 30 s; check that the API runs and retry.");
        }
        return TypedResults.Accepted($"/v1/admin/projections", new RebuildStartedResponse(name, ShardStatuses.Rebuilding));
    }
}
