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

    public const string ParameterDescription =
        "Read-your-writes: the Services-Position header of an earlier write. The read waits up to 5 s until this read model includes it (503 if it cannot).";

    /// <summary>Null when the read may proceed; otherwise the problem to answer.</summary>
    public static async Task<IResult?> WaitAsync(ProjectionDaemon daemon, string shard, string? minPosition, HttpResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        ArgumentNullException.ThrowIfNull(response);
        if (string.IsNullOrEmpty(minPosition)) return null;
        if (!FeedPosition.TryParse(minPosition, out var position))
            return Problems.Invalid("minPosition", "Not a position: send the Services-Position header value of a write, e.g. '1234.56'.");
        if (await daemon.WaitForPositionAsync(shard, position, MaxWait, cancellationToken)) return null;
        response.Headers.RetryAfter = "1";
        return Problems.Problem(StatusCodes.Status503ServiceUnavailable, "read_model_lagging", "Read model not caught up",
            $"The read model has not reached position {minPosition} within {MaxWait.TotalSeconds:0} s; retry shortly.");
    }
}
