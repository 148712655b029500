namespace Services.Api.Infrastructure;

/// <summary>
/// A 200 answer whose JSON was serialized once and is written as is, for answers kept in memory and
/// served many times. The endpoint still declares the typed answer (<c>Ok&lt;T&gt;</c>) for the API document.
/// </summary>
public sealed class SerializedJson(ReadOnlyMemory<byte> utf8) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = utf8.Length;
        return response.Body.WriteAsync(utf8, httpContext.RequestAborted).AsTask();
    }
}
