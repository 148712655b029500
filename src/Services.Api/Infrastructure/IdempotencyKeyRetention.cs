using Npgsql;

namespace Services.Api.Infrastructure;

/// <summary>
/// Idempotency keys are kept <c>Idempotency:RetentionHours</c> (48 by default, never less than the
/// 24 the API promises), then deleted, every <c>Idempotency:PurgeIntervalMinutes</c> (60). A retry
/// with a key older than that is a new request. Deleted in small batches, each its own short
/// transaction: a long one would hold back the event feed, which only moves past transactions older
/// than every running one. Several nodes may run it: deleting twice deletes nothing.
/// </summary>
public sealed class IdempotencyKeyRetention(
    NpgsqlDataSource db,
    TimeProvider time,
    IConfiguration configuration,
    ILogger<IdempotencyKeyRetention> logger) : BackgroundService
{
    public const int MinimumHours = 24;
    private const int BatchSize = 2_000;

    public TimeSpan Retention { get; } = TimeSpan.FromHours(Math.Max(MinimumHours, configuration.GetValue("Idempotency:RetentionHours", 48)));

    public TimeSpan Interval { get; } = TimeSpan.FromMinutes(Math.Max(1, configuration.GetValue("Idempotency:PurgeIntervalMinutes", 60)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var deleted = await PurgeOnceAsync(stoppingToken);
                if (deleted > 0) logger.LogInformation("Deleted {Count} idempotency keys older than {Retention}", deleted, Retention);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Deleting old idempotency keys failed; retrying at the next tick");
            }
        }
    }

    /// <summary>Deletes every key reserved before the retention period; answers how many.</summary>
    public async Task<long> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var before = (time.GetUtcNow() - Retention).ToUniversalTime();
        long total = 0;
        while (true)
        {
            await using var command = db.CreateCommand("""
                delete from idempotency_keys
                where ctid in (select ctid from idempotency_keys where created_at < $1 limit $2)
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = before });
            command.Parameters.Add(new NpgsqlParameter { Value = BatchSize });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < BatchSize) return total;
        }
    }
}
