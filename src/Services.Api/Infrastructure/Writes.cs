using Services.EventStore;
using Services.Api.Security;

namespace Services.Api.Infrastructure;

/// <summary>What every mutating request records and answers the same way.</summary>
public static class Writes
{
    /// <summary>Header carrying the feed position of the request's last event, for read-your-writes.</summary>
    public const string PositionHeader = "Services-Position";

    public static EventMetadata Metadata(HttpContext context, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(caller);
        var idempotencyKey = context.Request.Headers["Idempotency-Key"].ToString();
        return new EventMetadata
        {
            ActorOrganizationId = caller.OrganizationId,
            CorrelationId = context.TraceIdentifier,
            CausationId = context.TraceIdentifier,
            IdempotencyKey = idempotencyKey.Length == 0 ? null : idempotencyKey,
        };
    }

    /// <summary>Sets the ETag (the resource's new version) and the position of the last event written.</summary>
    public static void Answered(HttpResponse response, AppendResult result, string resourceStreamId)
    {
        ArgumentNullException.ThrowIfNull(result);
        Answered(response, result.VersionOf(resourceStreamId), result.LastPosition);
    }

    public static void Answered(HttpResponse response, long version, FeedPosition? position)
    {
        ArgumentNullException.ThrowIfNull(response);
        ETags.Set(response, version);
        if (position is { } written) response.Headers[PositionHeader] = written.ToString();
    }
}
