namespace Services.Api.Security;

/// <summary>
/// Key ids the database just said it has no unrevoked key for, so that a client repeating a revoked or
/// made-up key (a worker left on the old key after a rotation) costs one lookup, not one per request.
/// Safe to remember for as long as verified keys are (<see cref="ApiKeyCacheOptions.Lifetime"/>): a revoked
/// key never comes back, and an id is issued only once, made of 70 random bits nobody looks up beforehand.
/// Bounded like the cache (<see cref="ExpiringEntries{TValue}"/>): past <see cref="ApiKeyCacheOptions.Capacity"/>, new ids are not remembered.
/// </summary>
public sealed class UnknownApiKeys(ApiKeyCacheOptions options, TimeProvider time)
{
    private readonly ExpiringEntries<bool> _ids = new(options.Lifetime, options.Capacity, time);

    public bool Contains(string keyId) => _ids.TryGet(keyId, out _);

    public void Remember(string keyId) => _ids.Set(keyId, true);
}
