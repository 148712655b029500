using Npgsql;
using Services.Api.Common;

namespace Services.Api.Security;

/// <summary>
/// Finds an API key: in <see cref="ApiKeyCache"/>, else in the database. While revocations are
/// heard, requests that arrive together with the same uncached key share one query: after a
/// start-up, or a reconnection that emptied the cache, a burst of requests is not a burst of
/// identical queries. A request never joins a query begun before a revocation was heard; while
/// none can be heard, each request asks the database itself.
/// </summary>
public sealed class ApiKeyLookup(NpgsqlDataSource dataSource, ApiKeyCache cache, UnknownApiKeys unknown)
{
    private readonly Dictionary<string, Query> _queries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>
    /// The unrevoked key with this id, or null; whether <paramref name="secret"/> matches, and whether it has expired, is the caller's to check
    /// (a key kept before its expiry stays kept, and must be refused from then on all the same).
    /// <paramref name="mayAsk"/> is called only when this request would start a query (not when it joins
    /// one, nor when the node knows the key either way); when it says no, the answer is null.
    /// </summary>
    public async Task<VerifiedKey?> FindAsync(string keyId, string secret, Func<bool> mayAsk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mayAsk);
        if (cache.TryGet(keyId, out var kept)) return kept;
        if (unknown.Contains(keyId)) return null;
        if (!cache.IsTrusted) return mayAsk() ? await ReadAsync(keyId, cancellationToken) : null;
        var generation = cache.Generation;
        Query query;
        var asks = false;
        lock (_gate)
        {
            if (!_queries.TryGetValue(keyId, out query!) || query.Generation != generation)
            {
                if (!mayAsk()) return null;
                query = new Query(generation);
                _queries[keyId] = query;
                asks = true;
            }
        }
        if (asks) _ = AskAsync(keyId, query);
        // One request giving up does not cancel the query the others wait for.
        var key = await query.Answer.Task.WaitAsync(cancellationToken);
        // Kept by any request whose secret matches: unknown keys, and guesses, are never kept.
        if (key is not null && ApiKeySecrets.Matches(key.SecretHash, secret)) cache.Keep(keyId, key, query.Generation);
        return key;
    }

    private async Task AskAsync(string keyId, Query query)
    {
        try
        {
            var key = await ReadAsync(keyId, CancellationToken.None);
            if (key is null) unknown.Remember(keyId);
            query.Answer.TrySetResult(key);
        }
#pragma warning disable CA1031 // Every waiting request gets the fault (the database away: 503).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            query.Answer.TrySetException(ex);
            // Observed here too: the requests that waited for it may all have given up.
            _ = query.Answer.Task.Exception;
        }
        finally
        {
            lock (_gate)
            {
                if (_queries.TryGetValue(keyId, out var current) && current == query) _queries.Remove(keyId);
            }
        }
    }

    private async Task<VerifiedKey?> ReadAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select organization_id, organization_kind, access, secret_hash, expires_at from api_keys where key_id = $1 and revoked_at is null");
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var caller = new Caller(reader.GetString(0), Enum.Parse<OrganizationKind>(reader.GetString(1)), ApiKeyRows.AccessOf(reader.GetString(2)));
        return new VerifiedKey(caller, reader.GetFieldValue<byte[]>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
    }

    private sealed class Query(long generation)
    {
        public long Generation { get; } = generation;

        public TaskCompletionSource<VerifiedKey?> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
