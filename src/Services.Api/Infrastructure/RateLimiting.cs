using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Services.Api.Infrastructure;

/// <summary>Configuration section <c>RateLimits</c>; a token bucket refills by a whole token or more each second.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Requests a key may burst.</summary>
    [Range(1, int.MaxValue)]
    public int Burst { get; set; } = 300;

    /// <summary>Requests per second a key gets back, up to <see cref="Burst"/>.</summary>
    [Range(1, int.MaxValue)]
    public int PerSecond { get; set; } = 100;
}

/// <summary>
/// A token bucket per API key, and one per client address for requests without a valid key. Every
/// answer carries RateLimit-Limit / RateLimit-Remaining / RateLimit-Reset; a refused request gets
/// 429 with Retry-After and a problem document.
/// </summary>
public sealed class RateLimiting : IDisposable
{
    private const string AddressSpent = "services:address-spent";

    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly PartitionedRateLimiter<string> _lookups;

    public RateLimiting(IOptions<RateLimitOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _limiter = TokenBuckets(_options);
        _lookups = TokenBuckets(_options);
    }

    private static PartitionedRateLimiter<string> TokenBuckets(RateLimitOptions options) =>
        PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Burst,
            TokensPerPeriod = options.PerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>
    /// Whether authenticating this request may ask the database about its key: each address has a bucket
    /// of key lookups (keys this node neither keeps nor knows to be unknown), so that a flood of made-up
    /// keys costs at most that many queries before its 429. A refused request is answered 429 below.
    /// </summary>
    public bool MayLookUpKey(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var lookup = _lookups.AttemptAcquire(AddressPartition(context));
        if (lookup.IsAcquired) return true;
        context.Items[AddressSpent] = true;
        return false;
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var key = context.User.FindFirst(Security.Caller.KeyClaim)?.Value;
        var partition = key ?? AddressPartition(context);
        using var lease = _limiter.AttemptAcquire(partition);
        var available = _limiter.GetStatistics(partition)?.CurrentAvailablePermits ?? 0;
        var (limit, remaining, reset) = (_options.Burst.ToString(CultureInfo.InvariantCulture),
            Math.Max(0, available).ToString(CultureInfo.InvariantCulture), SecondsUntilFull(available).ToString(CultureInfo.InvariantCulture));
        // When the answer starts: the exception handler clears the headers of a request that failed.
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers["RateLimit-Limit"] = limit;
            headers["RateLimit-Remaining"] = remaining;
            headers["RateLimit-Reset"] = reset;
            return Task.CompletedTask;
        });
        if (lease.IsAcquired && !context.Items.ContainsKey(AddressSpent))
        {
            await next(context);
            return;
        }
        context.Response.Headers.RetryAfter = "1";
        var detail = context.Items.ContainsKey(AddressSpent)
            ? $"This client address presented more API keys this node had to look up than {_options.PerSecond} per second (bursts of {_options.Burst}); retry after the time in Retry-After."
            : $"{(key is null ? "This client address, without a valid API key," : "This API key")} may send {_options.PerSecond} requests per second (bursts of {_options.Burst}); retry after the time in Retry-After.";
        await Problems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests", detail);
    }

    private static string AddressPartition(HttpContext context) => "ip:" + context.Connection.RemoteIpAddress;

    private long SecondsUntilFull(long available) =>
        (long)Math.Ceiling(Math.Max(0, _options.Burst - available) / (double)_options.PerSecond);

    public void Dispose()
    {
        _limiter.Dispose();
        _lookups.Dispose();
    }
}

public static class RateLimitingExtensions
{
    public static IServiceCollection AddKeyRateLimits(this IServiceCollection services)
    {
        services.AddSettings<RateLimitOptions>(RateLimitOptions.Section);
        return services.AddSingleton<RateLimiting>();
    }

    public static IApplicationBuilder UseKeyRateLimits(this IApplicationBuilder app)
    {
        var limiter = app.ApplicationServices.GetRequiredService<RateLimiting>();
        return app.Use((context, next) => limiter.InvokeAsync(context, next));
    }
}
