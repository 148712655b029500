using Npgsql;
using Services.EventStore;

namespace Services.Api.Infrastructure;

/// <summary>
/// A reaction that runs every <c>Reactions:&lt;setting&gt;</c> seconds (default 15): the read models nominate
/// candidates and each is decided on its streams, so a failed run is simply the next run's work, and a
/// lagging or stale candidate decides nothing. Several nodes may run it: the stream versions keep it exactly-once.
/// </summary>
/// <param name="name">Names the reaction in the correlation and causation of the events it appends.</param>
public abstract class PeriodicReaction(string name, string intervalSetting, IConfiguration configuration, ILogger logger) : BackgroundService
{
    /// <summary>Candidates read per run: more wait for the next one.</summary>
    protected const int BatchSize = 200;

    public TimeSpan Interval { get; } = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue($"Reactions:{intervalSetting}", 15)));

    protected EventMetadata Metadata { get; } = new() { CorrelationId = $"reaction:{name}", CausationId = $"reaction:{name}" };

    /// <summary>One pass over the candidates; answers how many were acted on.</summary>
    public abstract Task<int> RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>The ids a candidates query answers, in its first column.</summary>
    protected static async Task<IReadOnlyList<string>> IdsAsync(NpgsqlCommand query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var _ = query;
        var ids = new List<string>();
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        return ids;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "{Reaction} failed; retrying at the next tick", GetType().Name);
            }
        }
    }
}
