using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.ReadModels;

/// <summary>
/// Read models lag the events by a little. A client that just wrote sends the
/// <c>Services-Position</c> it got back as <c>?minPosition=</c>; the read waits (up to
/// <see cref="MaxWait"/>) until the read model has applied that position, then answers.
/// If it cannot within that time, the answer is 503 with Retry-After, never stale data.
/// </summary>
public static class ReadYourWrites
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    /// <summary>A feed position as the API writes it: two integers, <c>{transaction}.{event}</c>, compared as a pair.</summary>
    public const string PositionPattern = "^[0-9]+\\.[0-9]+$";

    public const string ParameterDescription =
        "Read-your-writes: the Services-Position header of an earlier write. The read waits up to 5 s until this read model includes it (503 if it cannot).";

    /// <summary>
    /// Checks <c>?minPosition=</c> along with the request's other fields, whose errors are answered together
    /// (400), then waits for <paramref name="shard"/> to reach it (<see cref="WaitAsync"/>). Null when the read may proceed.
    /// </summary>
    public static async Task<ProblemHttpResult?> CheckAndWaitAsync(Validation validation, string? minPosition, ProjectionDaemon daemon, string shard, HttpResponse response, CancellationToken cancellationToken)
    {
        var position = Parse(validation, minPosition);
        if (!validation.IsValid) return Invalid(validation.Errors);
        return await WaitAsync(daemon, shard, position, response, cancellationToken);
    }

    /// <summary>Checks <c>?minPosition=</c> into the request's validation; null when none was given.</summary>
    public static FeedPosition? Parse(Validation validation, string? minPosition)
    {
        ArgumentNullException.ThrowIfNull(validation);
        if (string.IsNullOrEmpty(minPosition)) return null;
        if (FeedPosition.TryParse(minPosition, out var position)) return position;
        validation.Add("minPosition", "Not a position: send the Services-Position header value of a write, e.g. '1234.56'.");
        return null;
    }

    /// <summary>
    /// Null when the read may proceed; a 400 for a position no write can have answered (its
    /// transaction has not even started); a 503 with Retry-After when the read model did not reach
    /// the position in time.
    /// </summary>
    public static async Task<ProblemHttpResult?> WaitAsync(ProjectionDaemon daemon, string shard, FeedPosition? position, HttpResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        ArgumentNullException.ThrowIfNull(response);
        if (position is not { } wanted || await daemon.WaitForPositionAsync(shard, wanted, TimeSpan.Zero, cancellationToken)) return null;
        if (await IsAheadOfEveryTransactionAsync(response.HttpContext.RequestServices.GetRequiredService<NpgsqlDataSource>(), wanted, cancellationToken))
        {
            return Invalid(new Dictionary<string, string[]>
            {
                ["minPosition"] = [$"No write has this position: {wanted} is ahead of every transaction so far. Send the Services-Position header value of a write."],
            });
        }
        if (await daemon.WaitForPositionAsync(shard, wanted, MaxWait, cancellationToken)) return null;
        response.Headers.RetryAfter = "1";
        return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "read_model_lagging", "Read model not caught up",
            $"The read model has not reached position {wanted} within {MaxWait.TotalSeconds:0} s; retry shortly.");
    }

    /// <summary>The 400 of <see cref="Problems.Invalid(IDictionary{string, string[]})"/>, typed as the problem these reads answer otherwise.</summary>
    private static ProblemHttpResult Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(new ValidationProblemDetails(errors)
        { Status = StatusCodes.Status400BadRequest, Type = Problems.TypeBase + "invalid_request", Title = "Invalid request", Detail = "The request is invalid; see errors for each field." });

    private static async Task<bool> IsAheadOfEveryTransactionAsync(NpgsqlDataSource db, FeedPosition position, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("select pg_snapshot_xmax(pg_current_snapshot())");
        return position.TransactionId >= (ulong)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
