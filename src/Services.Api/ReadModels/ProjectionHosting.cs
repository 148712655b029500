using Npgsql;
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

/// <summary>
/// Starts the daemon once the schema is migrated (at once when the database is up at start-up,
/// later when it comes up); stops it, releasing its shards, at shutdown.
/// </summary>
public sealed class ProjectionHost(ProjectionDaemon daemon, SchemaReadiness readiness, EventStore.EventStore store, ILogger<ProjectionHost> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _started = Task.CompletedTask;
    private int _stopped;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (readiness.IsMigrated) return _started = StartDaemonAsync(cancellationToken);
        _started = StartWhenMigratedAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    private async Task StartWhenMigratedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await readiness.Migrated.WaitAsync(cancellationToken);
            await StartDaemonAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before the database came up.
        }
    }

    private async Task StartDaemonAsync(CancellationToken cancellationToken)
    {
        store.Notifier.StartListening();
        while (true)
        {
            try
            {
                await daemon.StartAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient)
            {
                // The database went away again since the migration: without this node's daemon
                // its read models would stand still until the next restart.
                logger.LogWarning(ex, "Projection daemon could not start; retrying in a second");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    // A host may be stopped twice (and after disposal) when test factories derived from it are disposed.
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _stopping.CancelAsync();
        await _started;
        await daemon.StopAsync();
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _stopped, 1);
        _stopping.Dispose();
    }
}
