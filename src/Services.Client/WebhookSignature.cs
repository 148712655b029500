using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Services.Client;

/// <summary>
/// Webhook signatures: <c>Services-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body" with the webhook secret&gt;</c>
/// (several v1 entries are accepted: for a day after a secret rotation a delivery carries one by the new secret and one by the previous). Verify against the raw body bytes, before parsing.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "Services-Signature";

    /// <summary>The default tolerance between the signature's timestamp and now (replay protection).</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The header value for a body signed at <paramref name="timestamp"/>.</summary>
    public static string Sign(string secret, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        var t = timestamp.ToUnixTimeSeconds();
        return $"t={t.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(Compute(secret, t, body))}";
    }

    public static string Sign(string secret, DateTimeOffset timestamp, string body) => Sign(secret, timestamp, Encoding.UTF8.GetBytes(body ?? ""));

    /// <summary>True when the header carries a valid signature of <paramref name="body"/> made within <paramref name="tolerance"/> of now.</summary>
    public static bool Verify(string secret, string? signatureHeader, ReadOnlySpan<byte> body, TimeSpan? tolerance = null, DateTimeOffset? now = null) =>
        Check(secret, signatureHeader, body, tolerance ?? DefaultTolerance, now ?? DateTimeOffset.UtcNow) is null;

    public static bool Verify(string secret, string? signatureHeader, string body, TimeSpan? tolerance = null, DateTimeOffset? now = null) =>
        Verify(secret, signatureHeader, Encoding.UTF8.GetBytes(body ?? ""), tolerance, now);

    /// <summary>Like <see cref="Verify(string, string?, ReadOnlySpan{byte}, TimeSpan?, DateTimeOffset?)"/>, but says why it failed.</summary>
    public static void VerifyOrThrow(string secret, string? signatureHeader, ReadOnlySpan<byte> body, TimeSpan? tolerance = null, DateTimeOffset? now = null)
    {
        var failure = Check(secret, signatureHeader, body, tolerance ?? DefaultTolerance, now ?? DateTimeOffset.UtcNow);
        if (failure is not null) throw new WebhookSignatureException(failure);
    }

    private static string? Check(string secret, string? header, ReadOnlySpan<byte> body, TimeSpan tolerance, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (string.IsNullOrWhiteSpace(header)) return $"No {HeaderName} header.";
        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) continue;
            var (name, value) = (part[..eq], part[(eq + 1)..]);
            if (name == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t)) timestamp = t;
            else if (name == "v1" && value.Length == 64 && IsHex(value)) signatures.Add(Convert.FromHexString(value));
        }
        if (timestamp is null) return "The signature has no timestamp.";
        if (signatures.Count == 0) return "The signature has no v1 entry.";
        // In seconds: a forged timestamp past year 9999 is refused, not thrown on.
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp.Value) > tolerance.TotalSeconds) return $"The signature's timestamp is outside the tolerance of {tolerance}.";
        var expected = Compute(secret, timestamp.Value, body);
        var match = false;
        foreach (var signature in signatures) match |= CryptographicOperations.FixedTimeEquals(expected, signature);
        return match ? null : "No signature matches the body.";
    }

    private static byte[] Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var payload = new byte[prefix.Length + body.Length];
        prefix.CopyTo(payload, 0);
        body.CopyTo(payload.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload);
    }

    private static bool IsHex(string value) => value.All(char.IsAsciiHexDigit);
}

public sealed class WebhookSignatureException : Exception
{
    public WebhookSignatureException() : this("Invalid webhook signature.") { }

    public WebhookSignatureException(string message) : base(message) { }

    public WebhookSignatureException(string message, Exception innerException) : base(message, innerException) { }
}
