using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.Security;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Admin;

/// <param name="Name">The shard's name (catalog, insights, webhook-outbox …), as rebuildProjection takes it.</param>
/// <param name="Position">The last event it took in, `{transaction}.{event}` as the feed's positions.</param>
/// <param name="LagEvents">Events committed after its position, counted up to 100,000.</param>
/// <param name="LagSeconds">How long ago the oldest event it has not taken in was committed, in seconds; 0 when it is caught up.</param>
/// <param name="Owner">The node that runs it; null while no node does.</param>
/// <param name="LeaseUntil">Until when its owner's lease runs (UTC), renewed while the owner runs it; null with no owner.</param>
/// <param name="State">What it is doing: idle, running, retrying, rebuilding, rebuild_requested or failed.</param>
/// <param name="LastError">Why its last page failed, while it retries or has failed; null otherwise.</param>
/// <param name="UpdatedAt">When its checkpoint last moved or its state changed (UTC).</param>
public sealed record ProjectionStatusResponse(
    string Name,
    string Position,
    long LagEvents,
    double LagSeconds,
    string? Owner,
    DateTimeOffset? LeaseUntil,
    ProjectionState State,
    string? LastError,
    DateTimeOffset UpdatedAt,
    [property: System.ComponentModel.Description("Events left out of this read model since its last rebuild: each failed on its own while the others went on (their errors are in es_dead_letters). A rebuild, once the fault is mended, takes them in again.")] long DeadLetters);

/// <summary>
/// idle (no node runs it), running, retrying (the last page failed: see lastError), rebuilding (catching up
/// after a reset), rebuild_requested (its owner resets it at its next page), or failed (an event failed
/// during a rebuild; only a new rebuild restarts it).
/// </summary>
public enum ProjectionState { Idle, Running, Retrying, Rebuilding, RebuildRequested, Failed }

/// <param name="Name">The shard being rebuilt, as listProjections names it.</param>
/// <param name="State">rebuilding: the reset is done and the shard catches up from the first event (follow it with listProjections).</param>
public sealed record RebuildStartedResponse(string Name, ProjectionState State);

public static class ProjectionsAdmin
{
    public static IEndpointRouteBuilder MapProjectionsAdmin(this IEndpointRouteBuilder v1)
    {
        var projections = v1.MapGroup("/admin/projections").WithTags("Administration").AllowKinds();
        projections.MapGet("", List)
            .WithName("listProjections")
            .WithSummary("Read-model shards: position, lag, owner, state (operator)")
            .WithDescription("Each shard's position in the feed, how many events and how long it lags, the node that runs it, its state (running, retrying with lastError, rebuilding, rebuild_requested, failed, idle), its last error and how many events it left out (dead letters).")
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
            .Select(s => new ProjectionStatusResponse(s.Name, s.Position.ToString(), s.LagEvents, Math.Round(s.LagAge.TotalSeconds, 3), s.Owner, s.LeaseUntil, StateOf(s.Status), s.LastError, s.UpdatedAt, s.DeadLetters))
            .ToList());
    }

    private static async Task<Results<Accepted<RebuildStartedResponse>, ProblemHttpResult>> Rebuild(string name, ProjectionDaemon daemon, HttpResponse response, CancellationToken cancellationToken)
    {
        var statuses = await daemon.GetStatusAsync(cancellationToken);
        if (statuses.All(s => s.Name != name))
            return Problems.Problem(StatusCodes.Status404NotFound, "not_found", "Not found",
                $"No projection is named '{name}'; the projections are: {string.Join(", ", statuses.Select(s => s.Name).Order(StringComparer.Ordinal))}.");
        try
        {
            await daemon.RebuildAsync(name, TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (TimeoutException ex)
        {
            response.Headers.RetryAfter = "30";
            return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "rebuild_not_started", "Rebuild not started",
                $"{ex.Message} Check that the API runs (and the error, if any, in GET /v1/admin/projections), then retry.");
        }
        return TypedResults.Accepted($"/v1/admin/projections", new RebuildStartedResponse(name, ProjectionState.Rebuilding));
    }

    /// <summary>The store's status as the API's state; a status the store adds later would fail here, in this endpoint's tests.</summary>
    private static ProjectionState StateOf(string status) =>
        Parse<ProjectionState>(status) ?? throw new InvalidOperationException($"Unknown projection status '{status}'.");
}
