using System.Collections.Concurrent;

namespace Services.Api.Security;

/// <summary>
/// Key ids the database just said it has no unrevoked key for, so that a client repeating a revoked or
/// made-up key (a worker left on the old key after a rotation) costs one lookup, not one per request.
/// Safe to remember for as long as verified keys are (<see cref="ApiKeyCacheOptions.Lifetime"/>): a revoked
/// key never comes back, and an id is issued only once, made of 70 random bits nobody looks up beforehand.
/// Bounded like the cache: past <see cref="ApiKeyCacheOptions.Capacity"/>, new ids are not remembered.
/// </summary>
public sealed class UnknownApiKeys(ApiKeyCacheOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _until = new(StringComparer.Ordinal);

    public bool Contains(string keyId)
    {
        if (!_until.TryGetValue(keyId, out var until)) return false;
        if (time.GetTimestamp() < until) return true;
        _until.TryRemove(new KeyValuePair<string, long>(keyId, until));
        return false;
    }

    public void Remember(string keyId)
    {
        if (options.Lifetime <= TimeSpan.Zero) return;
        var now = time.GetTimestamp();
        if (_until.Count >= options.Capacity)
        {
            foreach (var (id, until) in _until)
            {
                if (now >= until) _until.TryRemove(new KeyValuePair<string, long>(id, until));
            }
            if (_until.Count >= options.Capacity) return;
        }
        _until[keyId] = now + (long)(options.Lifetime.TotalSeconds * time.TimestampFrequency);
    }
}
