using Npgsql;
using Services.Api.ReadModels;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Demand;

/// <summary>Shard <c>insights</c>: the <see cref="InsightFacts"/> the demand, usage, deliveries, indicators and territories reads are computed from.</summary>
public sealed class InsightsProjection : IProjection
{
    public const string ShardName = "insights";

    /// <summary>The tables' prefix, <c>rm_insights_offers</c> and so on.</summary>
    public const string Prefix = "rm_insights";

    public InsightFacts Facts { get; } = new(Prefix);

    public string Name => ShardName;

    public Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken) =>
        Facts.ApplyAsync(page, context, cancellationToken);

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        Facts.ResetAsync(connection, transaction, cancellationToken);
}

public static class InsightReadModels
{
    /// <summary>The insights shard (the demand, usage, deliveries, indicators and territories endpoints map their own routes).</summary>
    public static IServiceCollection AddInsightReadModels(this IServiceCollection services) => services.AddProjection<InsightsProjection>();
}
