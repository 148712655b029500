using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Services.Api.Webhooks;

/// <summary>
/// The signature of a webhook delivery, as Stripe does it: header
/// <c>Services-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body" keyed with the webhook's secret&gt;</c>.
/// Receivers verify it on the raw body (before any JSON parsing) and reject old timestamps (replays), as
/// Services.Client's WebhookSignature.Verify does. The key is the whole secret string (<c>whsec_…</c>) in UTF-8.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Services-Signature";

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static string Sign(string secret, DateTimeOffset timestamp, string body) => Sign([secret], timestamp, body);

    /// <summary>The header value with one v1 signature per secret: the current one, then the one it replaced while both are valid.</summary>
    public static string Sign(IReadOnlyList<string> secrets, DateTimeOffset timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var t = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t}" + string.Concat(secrets.Select(secret => $",v1={Convert.ToHexStringLower(Mac(secret, t, body))}"));
    }

    private static byte[] Mac(string secret, string t, string body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(body);
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
    }
}
