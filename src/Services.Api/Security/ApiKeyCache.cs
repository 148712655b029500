using System.Collections.Concurrent;

namespace Services.Api.Security;

/// <summary>From <c>Auth:KeyCache</c>.</summary>
public sealed class ApiKeyCacheOptions
{
    public const string Section = "Auth:KeyCache";

    /// <summary>
    /// How long a verified key is trusted without asking the database again: the bound on how late
    /// a node learns of a revocation whose notification it missed. Zero turns the cache off.
    /// </summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The most keys kept; past it, other keys are looked up on every request until entries expire.</summary>
    public int Capacity { get; set; } = 10_000;
}

/// <summary>A key as api_keys holds it: whom it acts for, and the hash its secret must match.</summary>
public sealed record VerifiedKey(Caller Caller, byte[] SecretHash);

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
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _lifetime = options.Lifetime;
    private readonly int _capacity = options.Capacity;
    private long _count;
    private long _generation;
    private long _nextSweep;
    private volatile bool _trusted;

    /// <summary>Take it before looking a key up in the database, and hand it to <see cref="Keep"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>True while revocations are heard, that is, while the cache may be used.</summary>
    public bool IsTrusted => _trusted;

    public int Count => (int)Interlocked.Read(ref _count);

    public bool TryGet(string keyId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out VerifiedKey? key)
    {
        key = null;
        if (!_entries.TryGetValue(keyId, out var entry)) return false;
        if (time.GetTimestamp() >= entry.ExpiresAt)
        {
            if (_entries.TryRemove(new KeyValuePair<string, Entry>(keyId, entry))) Interlocked.Decrement(ref _count);
            return false;
        }
        key = entry.Key;
        return true;
    }

    /// <summary>Keeps a key the database has just vouched for, unless anything was forgotten since <paramref name="generation"/>.</summary>
    public void Keep(string keyId, VerifiedKey key, long generation)
    {
        if (!_trusted || _lifetime <= TimeSpan.Zero || Generation != generation) return;
        var now = time.GetTimestamp();
        if (Interlocked.Read(ref _count) >= _capacity && !SweptRoom(now)) return;
        var entry = new Entry(key, now + (long)(_lifetime.TotalSeconds * time.TimestampFrequency));
        var added = false;
        _entries.AddOrUpdate(keyId, _ => { added = true; return entry; }, (_, _) => { added = false; return entry; });
        if (added) Interlocked.Increment(ref _count);
        // A revocation heard while this entry went in: it must not outlive it.
        if (Generation != generation) Remove(keyId);
    }

    /// <summary>The key was revoked: drop it now.</summary>
    public void Forget(string keyId)
    {
        Interlocked.Increment(ref _generation);
        Remove(keyId);
    }

    /// <summary>Revocations are heard from now on; whatever was kept before may have missed one.</summary>
    public void Trust()
    {
        Interlocked.Increment(ref _generation);
        Clear();
        _trusted = true;
    }

    /// <summary>Revocations may go unheard from now on: keep and serve nothing.</summary>
    public void Distrust()
    {
        _trusted = false;
        Interlocked.Increment(ref _generation);
        Clear();
    }

    private void Clear()
    {
        foreach (var keyId in _entries.Keys) Remove(keyId);
    }

    private void Remove(string keyId)
    {
        if (_entries.TryRemove(keyId, out _)) Interlocked.Decrement(ref _count);
    }

    /// <summary>Drops expired entries, at most once per <see cref="SweepInterval"/>; true when that made room.</summary>
    private bool SweptRoom(long now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + (long)(SweepInterval.TotalSeconds * time.TimestampFrequency), due) != due) return false;
        foreach (var (keyId, entry) in _entries)
        {
            if (now >= entry.ExpiresAt && _entries.TryRemove(new KeyValuePair<string, Entry>(keyId, entry))) Interlocked.Decrement(ref _count);
        }
        return Interlocked.Read(ref _count) < _capacity;
    }

    private sealed record Entry(VerifiedKey Key, long ExpiresAt);
}
