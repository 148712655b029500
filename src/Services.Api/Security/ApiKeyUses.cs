using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace Services.Api.Security;

/// <summary>
/// When each key was last used (lastUsedAt), to the minute, without a database write on the request path: a request
/// only notes its key's minute in memory (a lookup, and a write when the minute changed), and every
/// <see cref="FlushInterval"/> (and at shutdown) the minutes noted since are written in one update. Several nodes
/// flush in any order: the update keeps the latest minute, so lastUsedAt never moves backwards. Usage metadata,
/// not a change of the organization: no event, no version.
/// </summary>
public sealed class ApiKeyUses(NpgsqlDataSource dataSource, TimeProvider time, ILogger<ApiKeyUses> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _unflushed = new(StringComparer.Ordinal);

    /// <summary>One flush at a time: a test's (or the shutdown's) flush waits for the timer's rather than finding nothing left to write.</summary>
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <summary>A request authenticated with <paramref name="keyId"/> now.</summary>
    public void Record(string keyId) => Note(keyId, ToMinute(time.GetUtcNow()));

    /// <summary>Writes the minutes noted since the last flush; answers how many keys it wrote. Minutes a failed write took are noted again for the next.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            // Only as noted: a later minute noted meanwhile stays for the next flush.
            var taken = _unflushed.Where(noted => _unflushed.TryRemove(noted)).ToList();
            if (taken.Count == 0) return 0;
            var keyIds = taken.ConvertAll(noted => noted.Key);
            var minutes = taken.ConvertAll(noted => noted.Value);
            try
            {
                await WriteAsync(keyIds, minutes, cancellationToken);
            }
            catch
            {
                for (var i = 0; i < keyIds.Count; i++) Note(keyIds[i], minutes[i]);
                throw;
            }
            return keyIds.Count;
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>The last use of each of an organization's keys used since lastUsedAt was recorded, as flushed.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> LastAsync(string organizationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select key_id, last_used_at from api_keys where organization_id = $1 and last_used_at is not null");
        command.Parameters.Add(new NpgsqlParameter { Value = organizationId, NpgsqlDbType = NpgsqlDbType.Text });
        var last = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) last[reader.GetString(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        return last;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushLoggingAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushLoggingAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _flushing.Dispose();
        base.Dispose();
    }

    private async Task FlushLoggingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            logger.LogWarning("API key uses not written ({Message}); lastUsedAt lags until the next flush", ex.Message);
        }
    }

    /// <summary>The hot path: a lookup while the minute is already noted, a write once per key and minute.</summary>
    private void Note(string keyId, DateTimeOffset minute)
    {
        if (_unflushed.TryGetValue(keyId, out var noted) && noted >= minute) return;
        _unflushed.AddOrUpdate(keyId, minute, (_, earlier) => earlier > minute ? earlier : minute);
    }

    private async Task WriteAsync(List<string> keyIds, List<DateTimeOffset> minutes, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            update api_keys set last_used_at = greatest(api_keys.last_used_at, used.at)
            from unnest($1::text[], $2::timestamptz[]) as used(key_id, at)
            where api_keys.key_id = used.key_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = keyIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = minutes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DateTimeOffset ToMinute(DateTimeOffset instant) =>
        new(instant.UtcTicks - instant.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
}
