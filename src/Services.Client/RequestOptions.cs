namespace Services.Client;

/// <summary>Per-call options.</summary>
public sealed record RequestOptions
{
    /// <summary>
    /// Sent as <c>Idempotency-Key</c>: a retry with the same key and body replays the first answer.
    /// When null and <see cref="ServicesClientOptions.AutoIdempotencyKeys"/> is on, a key is generated
    /// per call (and reused by its retries).
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Sent as <c>If-Match</c> (an <see cref="ApiResponse.ETag"/>): the change fails with 412 if the resource moved on.</summary>
    public string? IfMatch { get; init; }

    /// <summary>
    /// Sent as <c>If-None-Match</c> (the <see cref="ApiResponse.ETag"/> of the copy you hold) on a read that declares it:
    /// when the resource has not changed, the answer is 304 with <see cref="ApiResponse.NotModified"/> true and no
    /// <see cref="ApiResponse{T}.Value"/>, instead of the whole body again.
    /// </summary>
    public string? IfNoneMatch { get; init; }

    /// <summary>Overrides the client's retry setting for this call (retries still only apply to safe or keyed requests).</summary>
    public bool? Retry { get; init; }

    /// <summary>Overrides the client's API key for this call.</summary>
    public string? ApiKey { get; init; }
}
