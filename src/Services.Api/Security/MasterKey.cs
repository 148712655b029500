using System.Security.Cryptography;
using System.Text;

namespace Services.Api.Security;

/// <summary>
/// The key that wraps every secret kept at rest (each beneficiary's data key, each webhook's signing
/// secret), from <c>Secrets:MasterKey</c>: 32 random bytes in base64 (<c>head -c 32 /dev/urandom | base64</c>).
/// Outside Development the API refuses to start without a valid one; in Development (and while the
/// build writes the OpenAPI document) a missing key is replaced by a random one for this process
/// only, with a warning: what it seals becomes unreadable at the next start.
/// </summary>
public sealed class MasterKey
{
    public const string ConfigurationKey = "Secrets:MasterKey";

    private readonly byte[] _key;

    private MasterKey(byte[] key) => _key = key;

    /// <summary>True when this process made up its own key (Development without <c>Secrets:MasterKey</c>).</summary>
    public bool IsEphemeral { get; private init; }

    public static MasterKey From(IConfiguration configuration, IHostEnvironment environment, bool generatingDocument)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var configured = configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (environment.IsDevelopment() || generatingDocument) return new MasterKey(RandomNumberGenerator.GetBytes(SecretBox.KeySize)) { IsEphemeral = true };
            throw new InvalidOperationException(
                $"{ConfigurationKey} is not configured: set Secrets__MasterKey to 32 random bytes in base64 (head -c 32 /dev/urandom | base64); ./ops/run.sh makes one.");
        }
        var key = new byte[SecretBox.KeySize];
        if (!Convert.TryFromBase64String(configured.Trim(), key, out var length) || length != SecretBox.KeySize)
            throw new InvalidOperationException($"{ConfigurationKey} must be exactly {SecretBox.KeySize} bytes in base64.");
        return new MasterKey(key);
    }

    public byte[] Wrap(ReadOnlySpan<byte> secret, string context) => SecretBox.Seal(_key, secret, context);

    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, string context) => SecretBox.Open(_key, wrapped, context);

    public byte[] WrapText(string secret, string context) => Wrap(Encoding.UTF8.GetBytes(secret), context);

    public string UnwrapText(ReadOnlySpan<byte> wrapped, string context) => Encoding.UTF8.GetString(Unwrap(wrapped, context));
}
