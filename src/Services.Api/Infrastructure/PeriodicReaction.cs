using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.EventStore;

namespace Services.Api.Infrastructure;

/// <summary>Configuration section <c>Reactions</c>: how often each periodic reaction runs, and how many candidates each of its queries reads.</summary>
public sealed class ReactionOptions
{
    public const string Section = "Reactions";

    [Range(1, 86_400)]
    public int StoppedSubscriptionsIntervalSeconds { get; set; } = 15;

    [Range(1, 86_400)]
    public int ExpiryIntervalSeconds { get; set; } = 15;

    [Range(1, 86_400)]
    public int PromotionIntervalSeconds { get; set; } = 15;

    /// <summary>
    /// A run pages through every candidate: candidates that decide nothing (a waiting booking over its
    /// company's quota) come back at every run, and must not hide those after them.
    /// </summary>
    [Range(1, 10_000)]
    public int CandidatesPerQuery { get; set; } = 200;
}

/// <summary>
/// A reaction that runs every <paramref name="intervalSeconds"/> of <see cref="ReactionOptions"/> (default 15): the read models nominate
/// candidates and each is decided on its streams, so a failed run is simply the next run's work, and a
/// lagging or stale candidate decides nothing. Several nodes may run it: the stream versions keep it exactly-once.
/// </summary>
/// <param name="name">Names the reaction in the correlation and causation of the events it appends.</param>
public abstract class PeriodicReaction(string name, Func<ReactionOptions, int> intervalSeconds, IOptions<ReactionOptions> options, ILogger logger) : BackgroundService
{
    public TimeSpan Interval { get; } = TimeSpan.FromSeconds(intervalSeconds(options.Value));

    /// <summary>Candidates read per query (<see cref="ReactionOptions.CandidatesPerQuery"/>).</summary>
    protected int CandidatesPerQuery { get; } = options.Value.CandidatesPerQuery;

    protected EventMetadata Metadata { get; } = new() { CorrelationId = $"reaction:{name}", CausationId = $"reaction:{name}" };

    /// <summary>The next <see cref="CandidatesPerQuery"/> candidates' ids, in id order, after <paramref name="after"/> ("" for the first).</summary>
    protected abstract Task<IReadOnlyList<string>> CandidatesAsync(string after, CancellationToken cancellationToken);

    /// <summary>Decides on one candidate's streams; answers how many things it acted on.</summary>
    protected abstract Task<int> ActOnAsync(string candidate, CancellationToken cancellationToken);

    /// <summary>
    /// One pass over every candidate; answers how many things were acted on. A candidate that fails (a stream
    /// contended past the retries, a fault of its own) is logged and left to the next run: the others still go.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var acted = 0;
        var after = "";
        while (true)
        {
            var candidates = await CandidatesAsync(after, cancellationToken);
            foreach (var candidate in candidates)
            {
                try
                {
                    acted += await ActOnAsync(candidate, cancellationToken);
                }
                // A database that went away fails every candidate alike: the run ends, the next tick retries.
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not NpgsqlException { IsTransient: true })
                {
                    logger.LogWarning(ex, "{Reaction} failed on {Candidate}; the next run tries it again", GetType().Name, candidate);
                }
            }
            if (candidates.Count < CandidatesPerQuery) return acted;
            after = candidates[^1];
        }
    }

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
