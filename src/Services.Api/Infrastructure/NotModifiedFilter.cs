namespace Services.Api.Infrastructure;

/// <summary>
/// RFC 9110 If-None-Match on a read: a 200 whose ETag (<see cref="ETags.Set"/>) the request names, weakly, or
/// names with <c>*</c>, becomes 304 Not Modified, with the ETag and the middleware's headers but no body.
/// The handler runs first, so only an answer the caller may see becomes 304: a resource it may not see stays
/// 404 whatever it sends, and its existence does not leak.
/// </summary>
internal sealed class NotModifiedFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!ETags.TryReadIfNoneMatch(http.Request, out var ifNoneMatch)) return ETags.UnreadableIfNoneMatch();
        var answer = await next(context);
        // Only a success is weighed (RFC 9110, 13.2.1): any other answer is given as it would be without the header.
        return IsOk(answer) && ETags.ValidatedVersion(http) is { } version && ifNoneMatch.Holds(version)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : answer;
    }

    private static bool IsOk(object? answer) =>
        (answer is INestedHttpResult nested ? nested.Result : answer) is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK };
}
