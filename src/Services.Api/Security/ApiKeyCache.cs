using System.ComponentModel.DataAnnotations;

namespace Services.Api.Security;

/// <summary>From <c>Auth:KeyCache</c>.</summary>
public sealed class ApiKeyCacheOptions
{
    public const string Section = "Auth:KeyCache";

    /// <summary>
    /// How long a verified key is trusted without asking the database again: the bound on how late
    /// a node learns of a revocation whose notification it missed. Zero turns the cache off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The most keys kept; past it, other keys are looked up on every request until entries expire.</summary>
    [Range(0, 10_000_000)]
    public int Capacity { get; set; } = 10_000;
}

/// <summary>A key as api_keys holds it: whom it acts for, the hash its secret must match, and when it stops working (null: never).</summary>
public sealed record VerifiedKey(Caller Caller, byte[] SecretHash, DateTimeOffset? ExpiresAt)
{
    public bool HasExpired(DateTimeOffset now) => ExpiresAt <= now;
}

/// <summary>
/// Verified API keys in memory, so that authenticated requests do not ask the database. Only keys
/// the database vouched for are kept (unknown ones would let anyone fill memory), and only while
/// <see cref="ApiKeyRevocationListener"/> listens for revocations: whenever it stops or starts
/// listening the cache is emptied, since a revocation may have gone unheard in between.
/// A lookup that raced with a revocation or a restart of listening is not kept: every change
/// moves a generation that <see cref="Keep"/> compares with the one taken before the lookup.
/// </summary>
public sealed class ApiKeyCache(ApiKeyCacheOptions options, TimeProvider time)
{
    private readonly ExpiringEntries<VerifiedKey> _entries = new(options.Lifetime, options.Capacity, time);
    private long _generation;
    private volatile bool _trusted;

    /// <summary>Take it before looking a key up in the database, and hand it to <see cref="Keep"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>True while revocations are heard, that is, while the cache may be used.</summary>
    public bool IsTrusted => _trusted;

    public int Count => _entries.Count;

    public bool TryGet(string keyId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out VerifiedKey? key) => _entries.TryGet(keyId, out key);

    /// <summary>Keeps a key the database has just vouched for, unless anything was forgotten since <paramref name="generation"/>.</summary>
    public void Keep(string keyId, VerifiedKey key, long generation)
    {
        if (!_trusted || Generation != generation) return;
        _entries.Set(keyId, key);
        // A revocation heard while this entry went in: it must not outlive it.
        if (Generation != generation) _entries.Remove(keyId);
    }

    /// <summary>The key was revoked: drop it now.</summary>
    public void Forget(string keyId)
    {
        Interlocked.Increment(ref _generation);
        _entries.Remove(keyId);
    }

    /// <summary>Revocations are heard from now on; whatever was kept before may have missed one.</summary>
    public void Trust()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
        _trusted = true;
    }

    /// <summary>Revocations may go unheard from now on: keep and serve nothing.</summary>
    public void Distrust()
    {
        _trusted = false;
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }
}
