using System.Security.Cryptography;

namespace Services.Api.Common;

/// <summary>
/// One id scheme everywhere: a type prefix and 24 random lowercase base-32 characters
/// (<c>off_3kq9…</c>). Ids are opaque to callers; the prefix only helps humans and logs.
/// </summary>
public static class Ids
{
    public const string Organization = "org";
    public const string ApiKey = "key";
    public const string Offer = "off";
    public const string Slot = "slt";
    public const string Subscription = "sub";
    public const string Booking = "bkg";
    public const string Need = "ned";
    public const string Webhook = "whk";
    public const string DataKey = "pdk";

    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int RandomLength = 24;

    public static string New(string prefix)
    {
        Span<byte> bytes = stackalloc byte[RandomLength];
        RandomNumberGenerator.Fill(bytes);
        Span<char> chars = stackalloc char[RandomLength];
        for (var i = 0; i < RandomLength; i++) chars[i] = Alphabet[bytes[i] & 31];
        return string.Concat(prefix, "_", chars);
    }

    /// <summary>Whether <paramref name="id"/> has the form of an id with this prefix (it may still not exist).</summary>
    public static bool IsWellFormed(string? id, string prefix) =>
        id is not null
        && id.Length == prefix.Length + 1 + RandomLength
        && id.StartsWith(prefix, StringComparison.Ordinal)
        && id[prefix.Length] == '_'
        && id.AsSpan(prefix.Length + 1).IndexOfAnyExcept(Alphabet) < 0;
}
