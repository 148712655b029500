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
        services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILogger<ProjectionDaemon>>();
            // The daemon retries or dead-letters each fault itself; without this, a stuck read model shows only in es_checkpoints.
            // The database away is every shard's fault at once, and the 503 answers and the health check already tell it.
            return new ProjectionDaemon(
                sp.GetRequiredService<EventStore.EventStore>(),
                sp.GetServices<IProjection>(),
                new ProjectionDaemonOptions
                {
                    OnError = (shard, error) => logger.Log(error is NpgsqlException { IsTransient: true } ? LogLevel.Debug : LogLevel.Warning,
                        error, "Projection fault on {Shard}", shard ?? "the node's coordination"),
                });
        });
        if (!DatabaseExtensions.IsGeneratingDocument) services.AddHostedService<ProjectionHost>();
        return services;
    }
}

/// <summary>
/// Starts the daemon once the schema is migrated (at once when the database is up at start-up,
/// later when it comes up); stops it, releasing its shards, at shutdown, waiting for them no longer than the
/// host's shutdown timeout (those still running are logged). A daemon that cannot start
/// for another reason than the database's absence stops the API, as it would at start-up.
/// </summary>
public sealed class ProjectionHost(
    ProjectionDaemon daemon, SchemaReadiness readiness, EventStore.EventStore store, IHostApplicationLifetime lifetime, ILogger<ProjectionHost> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _started = Task.CompletedTask;
    private int _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!readiness.IsMigrated)
        {
            _started = StartWhenMigratedAsync(_stopping.Token);
            return;
        }
        store.Notifier.StartListening();
        try
        {
            await daemon.StartAsync(cancellationToken);
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            // The database went away again since the migration: the host starts, and the daemon
            // when the database is back (without it, this node's read models would stand still).
            logger.LogWarning(ex, "Projection daemon could not start; retrying every second");
            _started = KeepStartingAsync(_stopping.Token);
        }
    }

    private async Task StartWhenMigratedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await readiness.Migrated.WaitAsync(cancellationToken);
            store.Notifier.StartListening();
            await KeepStartingAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before the database came up.
        }
    }

    private async Task KeepStartingAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                try
                {
                    await daemon.StartAsync(cancellationToken);
                    return;
                }
                catch (NpgsqlException ex) when (ex.IsTransient)
                {
                    logger.LogDebug("Projection daemon could not start yet: {Message}", ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped while the database was away.
        }
        catch (Exception ex)
        {
            logger.LogCritical(ex, "Projection daemon could not start; stopping");
            lifetime.StopApplication();
        }
    }

    // A host may be stopped twice (and after disposal) when test factories derived from it are disposed.
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _stopping.CancelAsync();
        await _started;
        // Within the host's shutdown timeout: a shard stuck in a page must not hold the node up past it.
        var running = await daemon.StopAsync(cancellationToken);
        if (running.Count > 0)
        {
            logger.LogWarning("Projection shards {Shards} did not stop within the host's shutdown timeout; their locks go with this node's connections, and another node takes them over",
                string.Join(", ", running));
        }
    }

    /// <summary>
    /// Disposes only a host that never began stopping: a StopAsync under way (a test factory's host can be
    /// disposed while it stops) still cancels through the source. One without a timer holds nothing the GC does not free.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0) _stopping.Dispose();
    }
}
