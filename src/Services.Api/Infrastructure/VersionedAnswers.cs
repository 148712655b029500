namespace Services.Api.Infrastructure;

/// <summary>Endpoint metadata: a successful answer carries the resource's version as <c>ETag</c>.</summary>
public sealed class VersionedAnswer
{
    public static readonly VersionedAnswer Instance = new(writesEvents: true);

    /// <summary>A resource kept outside the events (a webhook): its changes have no feed position.</summary>
    public static readonly VersionedAnswer OutsideTheEvents = new(writesEvents: false);

    private VersionedAnswer(bool writesEvents) => WritesEvents = writesEvents;

    /// <summary>Whether a change's answer also carries the feed position of its events.</summary>
    public bool WritesEvents { get; }
}

/// <summary>Endpoint metadata: a change of several resources answers the feed position of its events, and no version.</summary>
public sealed class PositionedAnswer
{
    public static readonly PositionedAnswer Instance = new();

    private PositionedAnswer() { }
}

/// <summary>Endpoint metadata: the change honours <c>If-Match</c> (412 when the version moved on).</summary>
public sealed class IfMatchHonoured
{
    public static readonly IfMatchHonoured Instance = new();

    private IfMatchHonoured() { }
}

/// <summary>Endpoint metadata: the read honours <c>If-None-Match</c> (304 when the reader's copy is current; <see cref="NotModifiedFilter"/>).</summary>
public sealed class IfNoneMatchHonoured
{
    public static readonly IfNoneMatchHonoured Instance = new();

    private IfNoneMatchHonoured() { }
}

/// <summary>What the API document declares about versions; the handlers do it through <see cref="ETags"/> and <see cref="Writes"/>.</summary>
public static class VersionedAnswerExtensions
{
    public static RouteHandlerBuilder AnswersWithVersion(this RouteHandlerBuilder endpoint, bool writesEvents = true) =>
        endpoint.WithMetadata(writesEvents ? VersionedAnswer.Instance : VersionedAnswer.OutsideTheEvents);

    public static RouteHandlerBuilder AnswersWithPosition(this RouteHandlerBuilder endpoint) =>
        endpoint.WithMetadata(PositionedAnswer.Instance);

    public static RouteHandlerBuilder AcceptsIfMatch(this RouteHandlerBuilder endpoint, bool writesEvents = true) =>
        endpoint.WithMetadata(writesEvents ? VersionedAnswer.Instance : VersionedAnswer.OutsideTheEvents, IfMatchHonoured.Instance)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

    /// <summary>A single-resource read: its ETag, and 304 Not Modified to an If-None-Match naming it.</summary>
    public static RouteHandlerBuilder AcceptsIfNoneMatch(this RouteHandlerBuilder endpoint) =>
        endpoint.WithMetadata(VersionedAnswer.Instance, IfNoneMatchHonoured.Instance)
            .AddEndpointFilter<NotModifiedFilter>();
}
