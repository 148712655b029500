using System.Net;
using System.Text.Json;

namespace Services.Client;

/// <summary>An error answer, with its RFC 9457 problem details when the server sent them.</summary>
public sealed class ServicesApiException : Exception
{
    private const string TypeBase = "https://docs.services.example/problems/";

    public ServicesApiException() : this("The Services API answered with an error.") { }

    public ServicesApiException(string message) : base(message) { }

    public ServicesApiException(string message, Exception innerException) : base(message, innerException) { }

    internal ServicesApiException(HttpResponseMessage response, string? type, string? title, string? detail, string? instance,
        IReadOnlyDictionary<string, string[]> errors, string body, string? requestId)
        : base(BuildMessage(response.StatusCode, title, detail, errors))
    {
        var statusCode = response.StatusCode;
        Headers = response.Headers;
        RetryAfter = ServicesClient.RetryAfter(response, DateTimeOffset.UtcNow);
        IdempotencyKey = ApiResponse.KeySent(response);
        StatusCode = statusCode;
        Type = type;
        Title = title;
        Detail = detail;
        Instance = instance;
        Errors = errors;
        Body = body;
        RequestId = requestId;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The problem type URI, stable per kind of error.</summary>
    public string? Type { get; }

    /// <summary>The last segment of <see cref="Type"/> (e.g. <c>not_found</c>, <c>idempotency_key_reused</c>).</summary>
    public string? Code => Type is null ? null : Type.StartsWith(TypeBase, StringComparison.Ordinal) ? Type[TypeBase.Length..] : Type[(Type.LastIndexOf('/') + 1)..];

    public string? Title { get; }

    public string? Detail { get; }

    public string? Instance { get; }

    /// <summary>Validation errors: field → messages (empty unless 400).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = new Dictionary<string, string[]>();

    /// <summary>The raw body of the answer.</summary>
    public string Body { get; } = "";

    /// <summary>The server's trace of the request (the problem's traceId), to quote when asking for help.</summary>
    public string? RequestId { get; }

    /// <summary>The answer's headers (RateLimit-*, Retry-After…); null when not built from an answer.</summary>
    public System.Net.Http.Headers.HttpResponseHeaders? Headers { get; }

    /// <summary>How long the server asked to wait before trying again (429, 503, a key still in progress), or null.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// The Idempotency-Key the change was sent with (given, or made by the client). To try the same change
    /// again later, send it as <see cref="RequestOptions.IdempotencyKey"/>: the server then never makes it twice.
    /// A transport failure carries it in <see cref="Exception.Data"/> under <see cref="ServicesClient.IdempotencyKeyHeader"/>.
    /// </summary>
    public string? IdempotencyKey { get; }

    internal static async Task<ServicesApiException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = response.Content is null ? "" : await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string? type = null, title = null, detail = null, instance = null, traceId = null;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        try
        {
            if (body.Length > 0)
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    var root = document.RootElement;
                    type = StringProperty(root, "type");
                    title = StringProperty(root, "title");
                    detail = StringProperty(root, "detail");
                    instance = StringProperty(root, "instance");
                    traceId = StringProperty(root, "traceId");
                    if (root.TryGetProperty("errors", out var map) && map.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var field in map.EnumerateObject())
                        {
                            errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                                ? field.Value.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : m.GetRawText()).ToArray()
                                : [field.Value.ToString()];
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not a problem document (e.g. a proxy's HTML page): the raw body is kept.
        }
        return new ServicesApiException(response, type, title ?? response.ReasonPhrase, detail, instance, errors, body, traceId);
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string BuildMessage(HttpStatusCode statusCode, string? title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    {
        var message = $"{(int)statusCode} {title}".TrimEnd();
        if (!string.IsNullOrEmpty(detail)) message += ": " + detail;
        if (errors.Count > 0) message += " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")) + ")";
        return message;
    }
}
