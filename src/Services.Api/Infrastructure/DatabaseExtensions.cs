using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Common;
using Services.EventStore;
using Services.EventStore.Migrations;

namespace Services.Api.Infrastructure;

public static class DatabaseExtensions
{
    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => EventStoreDataSource.Create(
            configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured; start the API with ./ops/run.sh or set ConnectionStrings__Postgres.")));
        services.AddSingleton(_ => new EventTypeRegistry(Json.ForEvents()).RegisterDomainEvents().Register<Demo.DemoTerritoryLoadStarted>("demo.territory_load_started").Register<Demo.DemoTerritoryLoaded>("demo.territory_loaded"));
        services.AddSettings<EventStoreOptions>(EventStoreOptions.Section);
        services.AddSingleton(sp => new EventStore.EventStore(
            sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<EventTypeRegistry>(), Idempotency.Reserve,
            sp.GetRequiredService<IOptions<EventStoreOptions>>().Value.CachedAggregates));
        services.AddSingleton<Idempotency>();
        services.AddSettings<IdempotencyKeyOptions>(IdempotencyKeyOptions.Section);
        services.AddSingleton<IdempotencyKeyRetention>();
        if (!IsGeneratingDocument) services.AddHostedService(sp => sp.GetRequiredService<IdempotencyKeyRetention>());
        services.AddSingleton<StreamLocks>();
        services.AddSingleton<CommandRunner>();
        services.AddSingleton<TimeProvider>(new MicrosecondClock());
        services.AddSingleton<SchemaReadiness>();
        if (!IsGeneratingDocument) services.AddHostedService<SchemaMigration>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>True when the build runs the app only to write the OpenAPI document: no database then.</summary>
    public static bool IsGeneratingDocument { get; } =
        System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    /// <summary>Until the schema is migrated (the database was down at start-up), API calls answer 503 with Retry-After.</summary>
    public static IApplicationBuilder UseSchemaGate(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/v1") && !context.RequestServices.GetRequiredService<SchemaReadiness>().IsMigrated)
            {
                context.Response.Headers.RetryAfter = "1";
                await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "database_unavailable", "Service unavailable",
                    "The database is unavailable; retry shortly.");
                return;
            }
            await next(context);
        });

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") }).ExcludeFromDescription();
        return app;
    }
}

/// <summary>Set once the schema is migrated; readiness stays red until then.</summary>
public sealed class SchemaReadiness
{
    private readonly TaskCompletionSource _migrated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsMigrated => _migrated.Task.IsCompleted;

    public Task Migrated => _migrated.Task;

    public void MarkMigrated() => _migrated.TrySetResult();
}

/// <summary>
/// Applies the store's and the API's migrations at start-up. When the database is not there yet,
/// the API starts anyway (answering 503 and reporting not ready) and migrates as soon as it appears.
/// </summary>
/// <remarks>
/// A migration that fails once the database is back (a right missing, a bad script) stops the API, as it
/// would at start-up: serving 503 for ever would hide it.
/// </remarks>
public sealed class SchemaMigration(EventStore.EventStore store, SchemaReadiness readiness, IHostApplicationLifetime lifetime, ILogger<SchemaMigration> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _retrying;
    private int _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ApplyAsync(store, cancellationToken);
            readiness.MarkMigrated();
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            logger.LogWarning("Database unreachable at start-up ({Message}); serving 503 until it answers", ex.Message);
            _retrying = RetryUntilMigratedAsync(_stopping.Token);
        }
    }

    private async Task RetryUntilMigratedAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                await ApplyAsync(store, cancellationToken);
                readiness.MarkMigrated();
                logger.LogInformation("Database reachable; schema migrated");
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient)
            {
                logger.LogDebug("Database still unreachable: {Message}", ex.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogCritical(ex, "Schema migration failed once the database was back; stopping");
                lifetime.StopApplication();
                return;
            }
        }
    }

    // Only a start-up without the database leaves something to stop. A host may be stopped twice, the second
    // time after disposal: the API stopped itself on a failed migration, then its test factory is disposed.
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_retrying is null || Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _stopping.CancelAsync();
        await _retrying;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0) _stopping.Dispose();
    }

    public static async Task ApplyAsync(EventStore.EventStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.MigrateAsync(cancellationToken);
        await SchemaMigrator.ApplyAsync(store.DataSource, "api", typeof(SchemaMigration).Assembly, "Services.Api.Infrastructure.Migrations.", cancellationToken);
    }
}

public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource, SchemaReadiness readiness) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsMigrated) return HealthCheckResult.Unhealthy("Schema not migrated yet.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Database unreachable.");
        }
    }
}
