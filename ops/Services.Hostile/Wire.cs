using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Services.Hostile;

/// <summary>One HTTP request as the console builds it: everything needed to send it again by hand.</summary>
internal sealed record Probe(string Method, string PathAndQuery, string? Key)
{
    public byte[]? Body { get; init; }

    /// <summary>Null sends no Content-Type; only used with a body.</summary>
    public string? ContentType { get; init; } = "application/json";

    /// <summary>Headers sent as given (no validation), so garbage reaches the server.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Send the body chunked (no Content-Length), so a size limit must be enforced while reading.</summary>
    public bool Chunked { get; init; }

    public string BodyText => Body is null ? "" : Encoding.UTF8.GetString(Body);

    /// <summary>Everything the request carries, to tell what the caller already knew from what an answer reveals.</summary>
    public string Text => $"{Uri.UnescapeDataString(PathAndQuery)} {BodyText} {string.Join(' ', Headers.Select(h => h.Value))}";

    public string Describe(int bodyChars = 300)
    {
        var body = BodyText;
        var excerpt = body.Length > bodyChars ? body[..bodyChars] + $"… ({body.Length} chars)" : body;
        var headers = Headers.Count == 0 ? "" : " [" + string.Join("; ", Headers.Select(h => $"{h.Key}: {Shorten(h.Value, 80)}")) + "]";
        var contentType = Body is null ? "" : $" ({ContentType ?? "no Content-Type"}{(Chunked ? ", chunked" : "")})";
        return $"{Method} {Shorten(PathAndQuery, 300)}{headers}{contentType} {excerpt}";
    }

    private static string Shorten(string text, int max) => text.Length > max ? text[..max] + $"…({text.Length})" : text;
}

/// <summary>What came back; <see cref="TimedOut"/> when nothing did within the time limit.</summary>
internal sealed record Answer(int Status, string? ContentType, string Body, bool TimedOut)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>An RFC 9457 problem document: the media type, and a JSON object with type, title and the same status.</summary>
    public bool IsProblemDocument
    {
        get
        {
            if (ContentType is null || !ContentType.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase)) return false;
            try
            {
                return JsonNode.Parse(Body) is JsonObject problem
                    && problem["type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String
                    && problem["title"]?.GetValueKind() == System.Text.Json.JsonValueKind.String
                    && problem["status"]?.GetValueKind() == System.Text.Json.JsonValueKind.Number
                    && problem["status"]!.GetValue<int>() == Status;
            }
            catch (System.Text.Json.JsonException)
            {
                return false;
            }
        }
    }

    public string Excerpt(int chars = 300) => Body.Length > chars ? Body[..chars] + "…" : Body;
}

/// <summary>
/// Sends probes to the API with a time limit each. A 429 is waited out (Retry-After) and sent
/// again a few times, so rate limits slow the run down without eating it.
/// </summary>
internal sealed class Wire(Uri api, TimeSpan timeout) : IDisposable
{
    private const int RateLimitRetries = 8;

    /// <summary>Bodies above this size are sent on a connection of their own.</summary>
    public const int LargeBody = 64 * 1024;

    /// <summary>The API's body size limit (256 KiB): a larger upload may be cut off by closing the connection.</summary>
    public const int BodyLimit = 256 * 1024;

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        MaxConnectionsPerServer = 64,
    })
    {
        BaseAddress = api,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private long _rateLimited;

    /// <summary>429 answers waited out so far.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    public async Task<Answer> SendAsync(Probe probe, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (answer, retryAfter) = await SendOnceAsync(probe, cancellationToken);
            if (answer.Status != (int)HttpStatusCode.TooManyRequests || attempt == RateLimitRetries) return answer;
            Interlocked.Increment(ref _rateLimited);
            await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private async Task<(Answer Answer, TimeSpan? RetryAfter)> SendOnceAsync(Probe probe, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(probe.Method), new Uri(probe.PathAndQuery, UriKind.Relative));
        if (probe.Key is not null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + probe.Key);
        if (probe.Body is not null) request.Content = Content(probe);
        if (probe.Body?.Length > LargeBody)
        {
            // The server may answer a large body before reading it (413) and then close the connection:
            // ask first (100-continue) so the answer can be read, and never reuse that connection.
            request.Headers.ExpectContinue = true;
            request.Headers.ConnectionClose = true;
        }
        foreach (var (name, value) in probe.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, limit.Token);
            var body = await response.Content.ReadAsStringAsync(limit.Token);
            return (new Answer((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, TimedOut: false),
                response.Headers.RetryAfter?.Delta);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (new Answer(0, null, "", TimedOut: true), null);
        }
        catch (HttpRequestException failure)
        {
            // The server dropped the connection without a complete answer: status 0, with what the client saw.
            return (new Answer(0, null, failure.InnerException?.Message ?? failure.Message, TimedOut: false), null);
        }
    }

    private static HttpContent Content(Probe probe)
    {
        HttpContent content = probe.Chunked ? new StreamContent(new MemoryStream(probe.Body!)) : new ByteArrayContent(probe.Body!);
        if (probe.ContentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", probe.ContentType);
        if (probe.Chunked) content.Headers.ContentLength = null;
        return content;
    }

    /// <summary>For setting up the world: JSON in, JSON out, and a loud failure when the answer is not the expected one.</summary>
    public async Task<JsonNode> CallAsync(string method, string pathAndQuery, string key, JsonNode? body, int expected, CancellationToken cancellationToken = default)
    {
        var probe = new Probe(method, pathAndQuery, key) { Body = body is null ? null : Encoding.UTF8.GetBytes(body.ToJsonString()) };
        var answer = await SendAsync(probe, cancellationToken);
        if (answer.Status != expected)
            throw new InvalidOperationException($"Setting up the world: {method} {pathAndQuery} answered {(answer.TimedOut ? "nothing (timeout)" : answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))}, expected {expected}: {answer.Excerpt(500)}");
        return answer.Body.Length == 0 ? new JsonObject() : JsonNode.Parse(answer.Body)!;
    }

    public void Dispose() => _http.Dispose();
}
