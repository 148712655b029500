using Npgsql;
using Services.Api.Indicators;
using Services.Api.ReadModels;
using Services.Api.Usage;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Demand;

/// <summary>A shard that keeps its own <see cref="InsightFacts"/>.</summary>
public abstract class InsightProjection(string name, InsightTables tables) : IProjection
{
    public string Name { get; } = name;

    public InsightFacts Facts { get; } = new($"rm_{name}", tables);

    public Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken) =>
        Facts.ApplyAsync(page, context, cancellationToken);

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        Facts.ResetAsync(connection, transaction, cancellationToken);
}

public sealed class DemandProjection() : InsightProjection(ShardName, InsightTables.Offers | InsightTables.Slots | InsightTables.Bookings | InsightTables.Needs)
{
    public const string ShardName = "demand";
}

public static class InsightReadModels
{
    /// <summary>The demand, usage and indicators shards.</summary>
    public static IServiceCollection AddInsightReadModels(this IServiceCollection services) => services
        .AddProjection<DemandProjection>()
        .AddProjection<UsageProjection>()
        .AddProjection<IndicatorsProjection>();
}
