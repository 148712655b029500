using System.Security.Cryptography;
using System.Text;
using Services.Api.Common;

namespace Services.Api.Security;

/// <summary>
/// An API key reads <c>svc_{key id}_{secret}</c>: the recognizable prefix lets secret scanners
/// find leaked keys, the key id finds the row, and only SHA-256 of the secret is stored
/// (the secret is 256 random bits, so a slow hash adds nothing).
/// </summary>
public static class ApiKeySecrets
{
    public const string Prefix = "svc_";

    public static (string Token, byte[] Hash) Issue(string keyId)
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return ($"{Prefix}{keyId}_{secret}", Hash(secret));
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Splits a presented token into key id and secret; false when it cannot be one of ours.</summary>
    public static bool TryParse(string token, out string keyId, out string secret)
    {
        keyId = secret = "";
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var rest = token[Prefix.Length..];
        var separator = rest.LastIndexOf('_');
        if (separator <= 0) return false;
        keyId = rest[..separator];
        secret = rest[(separator + 1)..];
        return Ids.IsWellFormed(keyId, Ids.ApiKey) && secret.Length == 64;
    }

    public static bool Matches(byte[] storedHash, string secret) => CryptographicOperations.FixedTimeEquals(storedHash, Hash(secret));
}
