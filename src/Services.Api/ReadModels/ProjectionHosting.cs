using Services.Api.Infrastructure;
using Services.EventStore.Projections;

namespace Services.Api.ReadModels;

public static class ProjectionHosting
{
    /// <summary>Registers a read model (or reaction) for the daemon this node runs.</summary>
    public static IServiceCollection AddProjection<TProjection>(this IServiceCollection services) where TProjection : class, IProjection =>
        services.AddSingleton<IProjection, TProjection>();

    /// <summary>One daemon per node; shards spread over every node running the API.</summary>
    public static IServiceCollection AddProjectionDaemon(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ProjectionDaemon(
            sp.GetRequiredService<EventStore.EventStore>(),
            sp.GetServices<IProjection>(),
            new ProjectionDaemonOptions { NodeId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}" }));
        if (!DatabaseExtensions.IsGeneratingDocument) services.AddHostedService<ProjectionHost>();
        return services;
    }
}

/// <summary>Starts the daemon once the schema is migrated; stops it (releasing its shards) at shutdown.</summary>
public sealed class ProjectionHost(ProjectionDaemon daemon, SchemaReadiness readiness, EventStore.EventStore store) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await readiness.Migrated.WaitAsync(cancellationToken);
        store.Notifier.StartListening();
        await daemon.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => daemon.StopAsync();
}
