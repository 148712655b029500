namespace Services.Client;

public sealed class ServicesClientOptions
{
    /// <summary>Sent as <c>Authorization: Bearer …</c> on every call (over the HttpClient's default header), unless <see cref="RequestOptions.ApiKey"/> gives another.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Give every change (POST, PATCH, DELETE) without an explicit key an Idempotency-Key, so that it
    /// can be retried safely. Off: only GET/HEAD and calls with <see cref="RequestOptions.IdempotencyKey"/> are retried.
    /// </summary>
    public bool AutoIdempotencyKeys { get; set; } = true;

    public RetryOptions Retry { get; set; } = new();
}

/// <summary>Retries of transport errors, 408, 429 and 5xx, with exponential back-off and jitter, honouring Retry-After.</summary>
public sealed class RetryOptions
{
    /// <summary>Whether calls are retried unless they say otherwise (<see cref="RequestOptions.Retry"/>).</summary>
    public bool Enabled { get; set; } = true;

    public int MaxRetryAttempts { get; set; } = 3;

    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A Retry-After longer than this is not waited for: the answer is returned (or thrown) as is.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    public bool UseJitter { get; set; } = true;
}
