using System.Net;
using System.Net.Http.Headers;

namespace Services.Client;

/// <summary>A successful answer, or 304 Not Modified: status and the headers integrators need (ETag, read-your-writes position, replay).</summary>
public class ApiResponse
{
    internal ApiResponse(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        StatusCode = response.StatusCode;
        Headers = response.Headers;
        ETag = response.Headers.ETag?.ToString();
        Position = FirstHeader(response.Headers, "Services-Position");
        Location = response.Headers.Location;
        IdempotentReplayed = string.Equals(FirstHeader(response.Headers, "Idempotent-Replayed"), "true", StringComparison.OrdinalIgnoreCase);
        IdempotencyKey = KeySent(response);
    }

    public HttpStatusCode StatusCode { get; }

    public HttpResponseHeaders Headers { get; }

    /// <summary>
    /// True when the answer is 304 Not Modified: the copy whose ETag went as <see cref="RequestOptions.IfNoneMatch"/>
    /// is current (<see cref="ETag"/> still names it), and there is no body.
    /// </summary>
    public bool NotModified => StatusCode == HttpStatusCode.NotModified;

    /// <summary>The resource version, to send back as <see cref="RequestOptions.IfMatch"/> or <see cref="RequestOptions.IfNoneMatch"/>.</summary>
    public string? ETag { get; }

    /// <summary>The position of a write's last event; pass it as <c>minPosition</c> to read your writes.</summary>
    public string? Position { get; }

    public Uri? Location { get; }

    /// <summary>True when the server replayed the stored answer of an earlier request with the same Idempotency-Key.</summary>
    public bool IdempotentReplayed { get; }

    /// <summary>The Idempotency-Key the change was sent with (given, or made by the client), or null.</summary>
    public string? IdempotencyKey { get; }

    internal static string? KeySent(HttpResponseMessage response) =>
        response.RequestMessage?.Headers.TryGetValues(ServicesClient.IdempotencyKeyHeader, out var keys) == true ? keys.FirstOrDefault() : null;

    internal static string? FirstHeader(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

/// <summary>A successful answer with its body, or 304 Not Modified without one.</summary>
public sealed class ApiResponse<T> : ApiResponse
{
    private readonly T _value;

    internal ApiResponse(HttpResponseMessage response, T value) : base(response) => _value = value;

    /// <summary>The body. Throws when <see cref="ApiResponse.NotModified"/>: keep using the copy you hold.</summary>
    public T Value => NotModified
        ? throw new InvalidOperationException("304 Not Modified has no body: the copy whose ETag was sent as If-None-Match is current.")
        : _value;
}
