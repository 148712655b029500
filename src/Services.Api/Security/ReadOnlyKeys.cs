using Services.Api.Infrastructure;

namespace Services.Api.Security;

/// <summary>
/// Refuses a read key (<see cref="ApiKeyAccess.Read"/>) every method but GET (and HEAD, which no operation answers but
/// with 405), whatever the path: one check
/// for every operation, present and future. It comes before the Idempotency-Key's replays, so that a read key never
/// gets the stored answer of a change (an issued key's secret among them), and before any endpoint reads the body.
/// </summary>
public static class ReadOnlyKeys
{
    public const string Code = "key_read_only";

    private static bool Refuses(Caller caller, string method)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Access == ApiKeyAccess.Read && !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method);
    }

    public static IApplicationBuilder UseReadOnlyKeys(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (Caller.From(context.User) is { } caller && Refuses(caller, context.Request.Method))
            {
                await Problems.WriteAsync(context, StatusCodes.Status403Forbidden, Code, "Read-only API key",
                    "This API key may only read (GET). Make changes with a key of full access, which your organization issues with issueApiKey.");
                return;
            }
            await next(context);
        });
}
