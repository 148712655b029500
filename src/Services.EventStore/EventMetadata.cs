namespace Services.EventStore;

/// <summary>Who caused an append and why; stored with every event of that append.</summary>
public sealed record EventMetadata
{
    public static EventMetadata None { get; } = new();

    /// <summary>The organization on whose behalf the events were appended.</summary>
    public string? ActorOrganizationId { get; init; }

    /// <summary>Shared by everything one request or reaction caused.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The request or event that directly caused these events.</summary>
    public string? CausationId { get; init; }

    public string? IdempotencyKey { get; init; }
}
