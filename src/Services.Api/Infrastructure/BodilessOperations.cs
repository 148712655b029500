using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Services.Api.Infrastructure;

/// <summary>
/// A change that takes no body (cancel a booking, withdraw an offer…) refuses one with fields, as a
/// body with unknown fields is refused elsewhere: a client sending <c>{"reason": …}</c> learns it was
/// not kept instead of believing it was. An empty body or <c>{}</c> is the same as none.
/// </summary>
public static class BodilessOperations
{
    public static IApplicationBuilder UseBodilessOperations(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            // Only an operation of ours: routing's own 405 endpoint (a wrong method) has no methods listed.
            var takesNoBody = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)
                && context.GetEndpoint() is { } endpoint && endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not null
                && endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is null;
            var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody
                ?? (request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0));
            if (!takesNoBody || !hasBody)
            {
                await next(context);
                return;
            }
            var errors = await FieldsGivenAsync(request);
            if (errors.Count == 0)
            {
                await next(context);
                return;
            }
            await Problems.Invalid(errors).ExecuteAsync(context);
        });

    /// <summary>Each field of the body, or the body itself when it is neither blank nor an empty JSON object.</summary>
    private static async Task<Dictionary<string, string[]>> FieldsGivenAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, leaveOpen: true);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) return [];
        try
        {
            using var body = JsonDocument.Parse(text);
            if (body.RootElement.ValueKind == JsonValueKind.Object)
            {
                string[] unused = ["This operation takes no body; the field is not used."];
                return body.RootElement.EnumerateObject().Select(field => field.Name).Distinct(StringComparer.Ordinal)
                    .ToDictionary(name => name, _ => unused, StringComparer.Ordinal);
            }
        }
        catch (JsonException)
        {
            // Not JSON at all: refused below like any other content.
        }
        return new Dictionary<string, string[]>(StringComparer.Ordinal) { ["body"] = ["This operation takes no body; send none (or {})."] };
    }
}
