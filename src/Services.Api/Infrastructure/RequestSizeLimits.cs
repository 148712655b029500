using Microsoft.AspNetCore.Http.Features;

namespace Services.Api.Infrastructure;

/// <summary>
/// Refuses an over-long URL, or a declared oversized body, with a problem before reading it, and
/// caps undeclared (chunked) bodies through the server's own limit, whatever server hosts the app.
/// Kestrel's request line limit is set well above the URL limit (<see cref="ServerRequestLineBytes"/>):
/// its own refusal has no body, so only requests far beyond this limit meet it.
/// </summary>
public static class RequestSizeLimits
{
    public const int MaxUrlChars = 8 * 1024;
    public const int ServerRequestLineBytes = 64 * 1024;

    public static IApplicationBuilder UseRequestSizeLimits(this IApplicationBuilder app, long maxBodyBytes) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if ((request.PathBase.Value?.Length ?? 0) + (request.Path.Value?.Length ?? 0) + (request.QueryString.Value?.Length ?? 0) > MaxUrlChars)
            {
                await Problems.WriteAsync(context, StatusCodes.Status414UriTooLong, "url_too_long", "URL too long",
                    $"The URL (path and query) exceeds the limit of {MaxUrlChars} characters.");
                return;
            }
            if (request.ContentLength > maxBodyBytes)
            {
                await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "body_too_large", "Body too large",
                    $"The request body exceeds the limit of {maxBodyBytes} bytes.");
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBodyBytes;
            await next(context);
        });

}
