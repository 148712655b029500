using Npgsql;

namespace Services.Api.Security;

/// <summary>
/// Hears every revocation on every node: the revoking transaction NOTIFYs <see cref="Channel"/> with
/// the key id (see <see cref="ApiKeyRows.Revoke"/>), and this node drops the key from its
/// <see cref="ApiKeyCache"/>. The cache is trusted only while this listens: a lost connection empties
/// it until listening again. A connection that dies silently is found by a probe when nothing was
/// heard for <see cref="ProbeInterval"/>; the cache's lifetime bounds what a node can miss meanwhile.
/// </summary>
public sealed class ApiKeyRevocationListener(IConfiguration configuration, ApiKeyCache keys, ILogger<ApiKeyRevocationListener> logger) : BackgroundService
{
    public const string Channel = "api_key_revoked";

    /// <summary>Shown in pg_stat_activity, so operators (and tests) can tell this connection from the others.</summary>
    public const string ApplicationName = "services-api-key-revocations";

    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning("Not hearing API key revocations ({Message}); keys are checked in the database until listening again", ex.Message);
            }
            finally
            {
                keys.Distrust();
            }
            try
            {
                await Task.Delay(RetryDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        // Not from the pool: pooled connections are not reset when closed, and a listening one
        // handed to a request would keep the channel.
        var builder = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres")) { Pooling = false, ApplicationName = ApplicationName };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        connection.Notification += (_, notification) => keys.Forget(notification.Payload);
        await using (var listen = new NpgsqlCommand($"listen {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }
        keys.Trust();
        while (true)
        {
            if (await connection.WaitAsync(ProbeInterval, cancellationToken)) continue;
            await using var probe = new NpgsqlCommand("select 1", connection) { CommandTimeout = (int)ProbeInterval.TotalSeconds };
            await probe.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
