using System.Security.Cryptography;
using System.Text;

namespace Services.Api.Security;

/// <summary>
/// AES-256-GCM with a random 96-bit nonce: sealed bytes are <c>nonce | tag | ciphertext</c>. The
/// <c>context</c> (e.g. the key or webhook id the secret belongs to) is authenticated but not stored,
/// so a sealed value copied to another row does not open there.
/// </summary>
public static class SecretBox
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, string context)
    {
        var sealedBytes = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(context));
        return sealedBytes;
    }

    /// <summary>Throws <see cref="AuthenticationTagMismatchException"/> when the key or context is not the one it was sealed with.</summary>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedBytes, string context)
    {
        if (sealedBytes.Length < NonceSize + TagSize) throw new CryptographicException("Not a sealed value.");
        var plaintext = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes[..NonceSize], sealedBytes[(NonceSize + TagSize)..], sealedBytes.Slice(NonceSize, TagSize), plaintext, Encoding.UTF8.GetBytes(context));
        return plaintext;
    }
}
