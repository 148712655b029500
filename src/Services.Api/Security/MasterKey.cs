using System.Security.Cryptography;
using System.Text;

namespace Services.Api.Security;

/// <summary>
/// The key that wraps every secret kept at rest (each beneficiary's data key, each webhook's signing
/// secret, stored idempotent answers), from <c>Secrets:MasterKey</c>: 32 random bytes in base64
/// (<c>head -c 32 /dev/urandom | base64</c>). Outside Development the API refuses to start without a
/// valid one; in Development (and while the build writes the OpenAPI document) a missing key is
/// replaced by a random one for this process only, with a warning: what it seals becomes unreadable at
/// the next start. To change it (the README's three rolling restarts), the old key goes to
/// <c>Secrets:PreviousMasterKeys</c>: what it wrapped still opens, and <see cref="SecretsRewrap"/> wraps it
/// again under the new one. Previous keys without a
/// current one are refused everywhere, Development too.
/// </summary>
public sealed class MasterKey
{
    public const string ConfigurationKey = "Secrets:MasterKey";

    /// <summary>Keys the master key was before, comma-separated (or as an array): they only open, never wrap.</summary>
    public const string PreviousConfigurationKey = "Secrets:PreviousMasterKeys";

    private readonly byte[] _key;
    private readonly byte[][] _previous;

    private MasterKey(byte[] key, byte[][] previous) => (_key, _previous) = (key, previous);

    /// <summary>True when this process made up its own key (Development without <c>Secrets:MasterKey</c>).</summary>
    public bool IsEphemeral { get; private init; }

    public bool HasPreviousKeys => _previous.Length > 0;

    public static MasterKey From(IConfiguration configuration, IHostEnvironment environment, bool generatingDocument)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var previous = PreviousKeys(configuration);
        var configured = configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(configured))
        {
            // A made-up key would be current for the start's re-wrap: every secret the previous keys open
            // would move under a key gone at the next start.
            if (previous.Length > 0)
            {
                throw new InvalidOperationException(
                    $"{PreviousConfigurationKey} is set but {ConfigurationKey} is not: set Secrets__MasterKey to the key in use now (the previous keys only open, never wrap), or remove Secrets__PreviousMasterKeys.");
            }
            if (environment.IsDevelopment() || generatingDocument) return new MasterKey(RandomNumberGenerator.GetBytes(SecretBox.KeySize), previous) { IsEphemeral = true };
            throw new InvalidOperationException(
                $"{ConfigurationKey} is not configured: set Secrets__MasterKey to 32 random bytes in base64 (head -c 32 /dev/urandom | base64); ./ops/run.sh makes one.");
        }
        return new MasterKey(Parse(configured) ?? throw new InvalidOperationException($"{ConfigurationKey} must be exactly {SecretBox.KeySize} bytes in base64."), previous);
    }

    private static byte[][] PreviousKeys(IConfiguration configuration)
    {
        var section = configuration.GetSection(PreviousConfigurationKey);
        var configured = (section.Value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Concat(section.GetChildren().Select(child => child.Value).OfType<string>().Where(value => value.Trim().Length > 0))
            .ToArray();
        return [.. configured.Select((value, index) => Parse(value) ?? throw new InvalidOperationException(
            $"{PreviousConfigurationKey} must list keys of exactly {SecretBox.KeySize} bytes in base64, separated by commas: key {index + 1} of {configured.Length} is not."))];
    }

    private static byte[]? Parse(string configured)
    {
        var key = new byte[SecretBox.KeySize];
        return Convert.TryFromBase64String(configured.Trim(), key, out var length) && length == SecretBox.KeySize ? key : null;
    }

    public byte[] Wrap(ReadOnlySpan<byte> secret, string context) => SecretBox.Seal(_key, secret, context);

    /// <summary>Opens with the current key, then each previous one; throws <see cref="SecretKeyUnavailableException"/> when none opens it.</summary>
    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, string context) => Unwrap(wrapped, context, out _);

    /// <summary>Null when <paramref name="wrapped"/> is already under the current key; otherwise it wrapped again under it.</summary>
    public byte[]? Rewrapped(ReadOnlySpan<byte> wrapped, string context)
    {
        var secret = Unwrap(wrapped, context, out var underPrevious);
        return underPrevious ? Wrap(secret, context) : null;
    }

    public byte[] WrapText(string secret, string context) => Wrap(Encoding.UTF8.GetBytes(secret), context);

    public string UnwrapText(ReadOnlySpan<byte> wrapped, string context) => Encoding.UTF8.GetString(Unwrap(wrapped, context));

    private byte[] Unwrap(ReadOnlySpan<byte> wrapped, string context, out bool underPrevious)
    {
        underPrevious = false;
        foreach (var key in _previous.Prepend(_key))
        {
            try
            {
                return SecretBox.Open(key, wrapped, context);
            }
            catch (CryptographicException)
            {
                underPrevious = true;
            }
        }
        throw new SecretKeyUnavailableException();
    }
}

/// <summary>A secret at rest that no configured master key opens: the key it was wrapped under is missing from the configuration.</summary>
public sealed class SecretKeyUnavailableException : CryptographicException
{
    public const string Code = "secret_key_unavailable";

    public SecretKeyUnavailableException()
        : base($"A secret at rest opens with neither {MasterKey.ConfigurationKey} nor any of {MasterKey.PreviousConfigurationKey}.") { }

    public SecretKeyUnavailableException(string message) : base(message) { }

    public SecretKeyUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
