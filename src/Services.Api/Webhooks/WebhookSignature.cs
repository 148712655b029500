using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Services.Api.Webhooks;

/// <summary>
/// The signature of a webhook delivery, as Stripe does it: header
/// <c>Services-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body" keyed with the webhook's secret&gt;</c>.
/// Receivers verify it with <see cref="Verify"/> on the raw body (before any JSON parsing) and reject
/// old timestamps (replays). The key is the whole secret string (<c>whsec_…</c>) in UTF-8.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Services-Signature";
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static string Sign(string secret, DateTimeOffset timestamp, string body) => Sign([secret], timestamp, body);

    /// <summary>The header value with one v1 signature per secret: the current one, then the one it replaced while both are valid.</summary>
    public static string Sign(IReadOnlyList<string> secrets, DateTimeOffset timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var t = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t}" + string.Concat(secrets.Select(secret => $",v1={Convert.ToHexStringLower(Mac(secret, t, body))}"));
    }

    /// <summary>
    /// True when <paramref name="header"/> carries a v1 signature of <paramref name="body"/> by
    /// <paramref name="secret"/> (compared in constant time) and its timestamp is within
    /// <paramref name="tolerance"/> of <paramref name="now"/> (default: the system clock).
    /// </summary>
    public static bool Verify(string secret, string? header, string body, TimeSpan tolerance, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(body);
        if (string.IsNullOrEmpty(header)) return false;
        string? t = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0) continue;
            var (key, value) = (part[..equals], part[(equals + 1)..]);
            if (key == "t") t = value;
            else if (key == "v1" && value.Length == 64)
            {
                try
                {
                    signatures.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                    // not a signature: ignored
                }
            }
        }
        if (t is null || signatures.Count == 0 || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        // In seconds: a forged timestamp past year 9999 is refused, not thrown on.
        if (Math.Abs((now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds) return false;
        var expected = Mac(secret, t, body);
        var valid = false;
        foreach (var signature in signatures) valid |= CryptographicOperations.FixedTimeEquals(signature, expected);
        return valid;
    }

    private static byte[] Mac(string secret, string t, string body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(body);
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
    }
}
