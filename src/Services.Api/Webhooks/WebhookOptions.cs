using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text.RegularExpressions;

namespace Services.Api.Webhooks;

/// <summary>
/// Configuration section <c>Webhooks</c>. The default retry schedule makes 10 attempts over about a
/// day: the n-th retry waits FirstRetrySeconds × 2^(n−1), ± Jitter (170 s × (2⁹ − 1) ≈ 24 h).
/// Each value is checked at start-up (<see cref="Infrastructure.Settings"/>): the ranges are those the
/// delivery's own arithmetic and its Polly pipeline accept.
/// </summary>
public sealed partial class WebhookOptions : IValidatableObject
{
    public const string Section = "Webhooks";

    /// <summary>No retry is scheduled further away than this, whatever MaxAttempts and FirstRetrySeconds make of the doubling.</summary>
    public static readonly TimeSpan LongestBackoff = TimeSpan.FromDays(30);

    /// <summary>Deliveries to 127.0.0.1, ::1 or localhost, plain HTTP included (tests and local development only); otherwise HTTPS to public addresses only.</summary>
    public bool AllowHttpLoopback { get; set; }

    /// <summary>Deliveries to private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) over HTTPS: only where receivers live on the platform's own network. Link-local, unspecified, multicast and reserved addresses stay refused.</summary>
    public bool AllowPrivateNetworks { get; set; }

    public const int DefaultMaxPerOrganization = 20;

    public const double DefaultSecretOverlapHours = 24;

    /// <summary>After a secret rotation, deliveries are signed with the previous secret too for this long, so that receivers can switch without refusing any.</summary>
    [Range(0.0, 720.0)]
    public double SecretOverlapHours { get; set; } = DefaultSecretOverlapHours;

    /// <summary>Webhooks an organization may have at once: every event it may see costs a delivery to each that matches.</summary>
    [Range(1, 10_000)]
    public int MaxPerOrganization { get; set; } = DefaultMaxPerOrganization;

    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 10;

    [Range(1.0, 86_400.0)]
    public double FirstRetrySeconds { get; set; } = 170;

    /// <summary>Relative spread of each back-off (0.2 = ±20 %), so that retries of many deliveries do not come in waves.</summary>
    [Range(0.0, 1.0)]
    public double Jitter { get; set; } = 0.2;

    /// <summary>Polly's timeout takes 10 ms at least.</summary>
    [Range(0.01, 3_600.0)]
    public double AttemptTimeoutSeconds { get; set; } = 10;

    [Range(0.05, 86_400.0)]
    public double PollIntervalSeconds { get; set; } = 1;

    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>
    /// Organizations whose deliveries go out at once on a node, each one's after another: a receiver
    /// that hangs until the attempt's timeout holds up its own organization's deliveries only.
    /// </summary>
    [Range(1, 1_000)]
    public int ConcurrentOrganizations { get; set; } = 16;

    /// <summary>Circuit breaker per organization and endpoint host (scheme, host and port; in memory, per node).</summary>
    [Range(2, 10_000)]
    public int CircuitMinimumThroughput { get; set; } = 10;

    /// <summary>The share of failed attempts in the sampling window that opens the circuit: more than 0, at most 1.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double CircuitFailureRatio { get; set; } = 0.9;

    [Range(0.5, 86_400.0)]
    public double CircuitSamplingSeconds { get; set; } = 120;

    [Range(0.5, 86_400.0)]
    public double CircuitBreakSeconds { get; set; } = 60;

    /// <summary>The last retry's longest wait stays within <see cref="LongestBackoff"/> (and a back-off's arithmetic within TimeSpan).</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var longest = FirstRetrySeconds * Math.Pow(2, Math.Max(0, MaxAttempts - 2)) * (1 + Jitter);
        if (longest > LongestBackoff.TotalSeconds)
        {
            yield return new ValidationResult(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{Section}:MaxAttempts ({MaxAttempts}) with {Section}:FirstRetrySeconds ({FirstRetrySeconds}) and {Section}:Jitter ({Jitter}) would wait up to {longest:0} s before the last attempt; at most {LongestBackoff.TotalSeconds:0} s ({LongestBackoff.TotalDays:0} days) are allowed."),
                [nameof(MaxAttempts), nameof(FirstRetrySeconds)]);
        }
    }

    /// <summary>The wait after the <paramref name="failures"/>-th failed attempt (1-based); <paramref name="random"/> in [0, 1).</summary>
    public TimeSpan Backoff(int failures, double random)
    {
        var seconds = FirstRetrySeconds * Math.Pow(2, Math.Max(0, failures - 1));
        return TimeSpan.FromSeconds(seconds * (1 - Jitter + 2 * Jitter * random));
    }

    /// <summary>Null when <paramref name="url"/> may receive deliveries; otherwise why not.</summary>
    public string? Refuse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return "Not an absolute URL.";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "Credentials in the URL are not allowed.";
        if (!string.IsNullOrEmpty(uri.Fragment)) return "A fragment (#…) is not allowed.";
        var literal = IPAddress.TryParse(uri.IdnHost, out var address) ? address : null;
        var loopback = uri.IsLoopback || (literal is not null && IPAddress.IsLoopback(literal));
        if (uri.Scheme == Uri.UriSchemeHttp) return loopback && AllowHttpLoopback ? null : "Must be an https:// URL.";
        if (uri.Scheme != Uri.UriSchemeHttps) return "Must be an https:// URL.";
        if (loopback) return AllowHttpLoopback ? null : "Must not point at this machine (loopback): webhooks are delivered to public endpoints only.";
        if (literal is null && !IsHostName(uri.IdnHost.TrimEnd('.')))
            return AllowPrivateNetworks
                ? "The host must be a host name such as hooks.example.com or receiver (labels of letters, digits, inner hyphens and underscores)."
                : "The host must be a domain name such as hooks.example.com (labels of letters, digits, inner hyphens and underscores, with at least one dot).";
        return literal is null || MayDeliverTo(literal) ? null : "Must not point at a private, local or reserved address: webhooks are delivered to public endpoints only.";
    }

    /// <summary>Whether a delivery may connect to <paramref name="address"/>, once a host name is resolved.</summary>
    public bool MayDeliverTo(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (PublicAddresses.IsPublic(address)) return true;
        if (IPAddress.IsLoopback(address) || (address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(address.MapToIPv4()))) return AllowHttpLoopback;
        return AllowPrivateNetworks && PublicAddresses.IsPrivateNetwork(address);
    }

    /// <summary>
    /// A name DNS can answer: labels (IDN in their xn-- form) none of which starts or ends with a hyphen, and at
    /// least two of them, unless private networks are open (a receiver there may be a one-label service name).
    /// </summary>
    private bool IsHostName(string host) => HostName().IsMatch(host) && (AllowPrivateNetworks || host.Contains('.', StringComparison.Ordinal));

    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?))*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HostName();
}
