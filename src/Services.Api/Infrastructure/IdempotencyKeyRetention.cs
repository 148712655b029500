using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Services.Api.Infrastructure;

/// <summary>Configuration section <c>Idempotency</c>.</summary>
public sealed class IdempotencyKeyOptions
{
    public const string Section = "Idempotency";

    /// <summary>Never less than the 24 hours the API promises a retry with the same key.</summary>
    [Range(IdempotencyKeyRetention.MinimumHours, 24 * 365)]
    public int RetentionHours { get; set; } = 48;

    [Range(1, 24 * 60)]
    public int PurgeIntervalMinutes { get; set; } = 60;
}

/// <summary>
/// Idempotency keys are kept <c>Idempotency:RetentionHours</c> (48 by default, at least the
/// 24 the API promises), then deleted: a minute after start-up, then every
/// <c>Idempotency:PurgeIntervalMinutes</c> (60). A retry with a key older than that is a new
/// request. Ages are measured on the database's clock, the one that stamped the keys. Deleted in
/// small batches, each its own short transaction: a long one would hold back the event feed, which
/// only moves past transactions older than every running one. Several nodes may run it at once:
/// each skips the rows another is deleting.
/// </summary>
public sealed class IdempotencyKeyRetention(
    NpgsqlDataSource db,
    TimeProvider time,
    IOptions<IdempotencyKeyOptions> options,
    ILogger<IdempotencyKeyRetention> logger) : BackgroundService
{
    public const int MinimumHours = 24;
    internal const int BatchSize = 2_000;

    public TimeSpan Retention { get; } = TimeSpan.FromHours(options.Value.RetentionHours);

    public TimeSpan Interval { get; } = TimeSpan.FromMinutes(options.Value.PurgeIntervalMinutes);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not at once: the schema may still be migrating. Not only after a whole interval: a node
        // restarted more often than that would never purge.
        await Task.Delay(TimeSpan.FromMinutes(1), time, stoppingToken);
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var deleted = await PurgeOnceAsync(stoppingToken);
                if (deleted > 0) logger.LogInformation("Deleted {Count} idempotency keys older than {Retention}", deleted, Retention);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Deleting old idempotency keys failed; retrying at the next tick");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Deletes every key reserved longer ago than the retention; answers how many.</summary>
    public async Task<long> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            await using var command = db.CreateCommand("""
                delete from idempotency_keys
                where ctid in (
                    select ctid from idempotency_keys where created_at < now() - $1
                    limit $2 for update skip locked)
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = Retention });
            command.Parameters.Add(new NpgsqlParameter { Value = BatchSize });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < BatchSize) return total;
        }
    }
}
