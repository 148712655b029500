using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Polly;
using Polly.Retry;

namespace Services.Client;

/// <summary>
/// Typed client for the Services API v1: one method per operation of api-spec/openapi.json
/// (generated into <c>Generated/ServicesClient.Operations.g.cs</c>), errors as <see cref="ServicesApiException"/>.
/// Retries (Polly) only apply to GET/HEAD and to requests carrying an Idempotency-Key, never to
/// a change without one.
/// </summary>
public sealed partial class ServicesClient
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient _http;
    private readonly ServicesClientOptions _options;
    private readonly ResiliencePipeline<HttpResponseMessage> _retrying;

    /// <param name="http">An HttpClient whose BaseAddress is the API root (e.g. <c>https://api.example/</c>).</param>
    public ServicesClient(HttpClient http, ServicesClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _options = options ?? new ServicesClientOptions();
        _retrying = BuildRetryPipeline(_options.Retry);
    }

    /// <summary>The JSON shapes of the API: camelCase, enums as their wire names (unknown ones read as Unknown), instants in UTC, nulls left out.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = CreateJsonOptions();

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        };
        // Enums carry their own converter (TolerantEnumConverter): one here would take precedence over it.
        options.Converters.Add(new UtcInstantConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// The auto-pagers read every page in full: a page answered 304 (If-None-Match) has neither items nor a next
    /// cursor to go on from. Refused when called, before any request, rather than failing midway.
    /// </summary>
    private static void RefuseIfNoneMatch(RequestOptions? options)
    {
        if (options?.IfNoneMatch is not null)
        {
            throw new ArgumentException(
                "Auto-paging reads every page in full and does not take RequestOptions.IfNoneMatch. To skip an unchanged list, " +
                "call the list method with IfNoneMatch (its ETag answers for the first page) and page only when it is not NotModified.",
                nameof(options));
        }
    }

    /// <summary>Whether a request may be retried: safe methods always, others only with an Idempotency-Key.</summary>
    public static bool IsRetryable(HttpMethod method, string? idempotencyKey) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || !string.IsNullOrEmpty(idempotencyKey);

    internal Task<ApiResponse<T>> SendAsync<T>(HttpMethod method, string path, QueryString? query, object? body, IReadOnlyList<KeyValuePair<string, string?>>? headers,
        RequestOptions? options, CancellationToken cancellationToken) =>
        SendCoreAsync(method, path, query, body, headers, options, async (response, ct) =>
        {
            if (response.StatusCode == HttpStatusCode.NotModified) return new ApiResponse<T>(response, default!);
            var value = await response.Content.ReadFromJsonAsync<T>(JsonOptions, ct).ConfigureAwait(false)
                ?? throw new ServicesApiException($"{(int)response.StatusCode}: the answer had no body where a {typeof(T).Name} was expected.");
            return new ApiResponse<T>(response, value);
        }, cancellationToken);

    internal Task<ApiResponse> SendAsync(HttpMethod method, string path, QueryString? query, object? body, IReadOnlyList<KeyValuePair<string, string?>>? headers,
        RequestOptions? options, CancellationToken cancellationToken) =>
        SendCoreAsync(method, path, query, body, headers, options, (response, _) => Task.FromResult(new ApiResponse(response)), cancellationToken);

    private async Task<TResult> SendCoreAsync<TResult>(HttpMethod method, string path, QueryString? query, object? body,
        IReadOnlyList<KeyValuePair<string, string?>>? headers, RequestOptions? options, Func<HttpResponseMessage, CancellationToken, Task<TResult>> read,
        CancellationToken cancellationToken)
    {
        var content = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), JsonOptions);
        var uri = query is null ? path.TrimStart('/') : path.TrimStart('/') + query.ToString();
        var retry = options?.Retry ?? _options.Retry.Enabled;
        var key = options?.IdempotencyKey;
        // One key per logical call, reused by every attempt: the server answers a retry with the first answer.
        // Also without retries: a change that fails tells its key, to be tried again later with it.
        if (key is null && _options.AutoIdempotencyKeys && !IsRetryable(method, null)) key = Guid.NewGuid().ToString("N");
        var pipeline = retry && IsRetryable(method, key) ? _retrying : ResiliencePipeline<HttpResponseMessage>.Empty;

        using var response = await SendWithRetriesAsync(pipeline, key, async ct =>
        {
            using var request = new HttpRequestMessage(method, new Uri(uri, UriKind.Relative));
            if (content is not null)
            {
                request.Content = new ByteArrayContent(content);
                request.Content.Headers.ContentType = JsonMediaType;
            }
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
            var apiKey = options?.ApiKey ?? _options.ApiKey;
            if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            if (key is not null) request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, key);
            if (options?.IfMatch is { } ifMatch) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            if (options?.IfNoneMatch is { } ifNoneMatch) request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
            foreach (var (name, value) in headers ?? [])
            {
                if (value is not null) request.Headers.TryAddWithoutValidation(name, value);
            }
            return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        // 304 answers only an If-None-Match the caller sent (RequestOptions.IfNoneMatch): a result, not an error.
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotModified) throw await ServicesApiException.FromResponseAsync(response, cancellationToken).ConfigureAwait(false);
        return await read(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A failure without an answer still tells which key the change went with: it may have been made.</summary>
    private static async Task<HttpResponseMessage> SendWithRetriesAsync(ResiliencePipeline<HttpResponseMessage> pipeline, string? key,
        Func<CancellationToken, ValueTask<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        try
        {
            return await pipeline.ExecuteAsync(send, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (key is not null && ex is HttpRequestException or OperationCanceledException)
        {
            ex.Data[IdempotencyKeyHeader] = key;
            throw;
        }
    }

    private static ResiliencePipeline<HttpResponseMessage> BuildRetryPipeline(RetryOptions retry)
    {
        // Built even when retries are off by default: a call may still ask for them (RequestOptions.Retry).
        if (retry.MaxRetryAttempts <= 0) return ResiliencePipeline<HttpResponseMessage>.Empty;
        return new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retry.MaxRetryAttempts,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = retry.UseJitter,
                ShouldHandle = args => ShouldRetryAsync(args.Outcome, retry, args.Context.CancellationToken),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } response ? RetryAfter(response, DateTimeOffset.UtcNow) : null),
            })
            .Build();
    }

    private static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, RetryOptions retry, CancellationToken cancellationToken)
    {
        if (outcome.Exception is not null)
        {
            // Transport errors and HttpClient timeouts; not the caller's own cancellation.
            return outcome.Exception is HttpRequestException
                || (outcome.Exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);
        }
        var response = outcome.Result!;
        if (!IsRetryableStatus(response.StatusCode))
        {
            return response.StatusCode == HttpStatusCode.Conflict && await IsKeyInProgressAsync(response, cancellationToken).ConfigureAwait(false);
        }
        var after = RetryAfter(response, DateTimeOffset.UtcNow);
        return after is null || after <= retry.MaxRetryAfter;
    }

    /// <summary>408, 429 and 5xx: the server did not (or may not have) acted; worth another try.</summary>
    public static bool IsRetryableStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>The wait a Retry-After header asks for (seconds or an HTTP date), or null.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date) return date <= now ? TimeSpan.Zero : date - now;
        return null;
    }

    private static async Task<bool> IsKeyInProgressAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.RequestMessage?.Headers.Contains(IdempotencyKeyHeader) != true) return false;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return body.Contains("idempotency_key_in_progress", StringComparison.Ordinal);
    }

    /// <summary>Formats a path segment.</summary>
    internal static string Segment(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return Uri.EscapeDataString(value);
    }

    /// <summary>Wire form of a query or header value: invariant numbers, UTC instants, snake_case enums.</summary>
    internal static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        DateTimeOffset instant => UtcInstantConverter.Format(instant),
        DateTime time => UtcInstantConverter.Format(new DateTimeOffset(time.ToUniversalTime())),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Enum e => JsonSerializer.Serialize(e, e.GetType(), JsonOptions).Trim('"'),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>A query string under construction (nulls are left out).</summary>
    internal sealed class QueryString
    {
        private readonly StringBuilder _builder = new();

        public QueryString Add(string name, object? value)
        {
            var text = Format(value);
            if (text is null) return this;
            _builder.Append(_builder.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(text));
            return this;
        }

        public override string ToString() => _builder.ToString();
    }
}
