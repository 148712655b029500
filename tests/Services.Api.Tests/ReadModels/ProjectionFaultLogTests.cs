using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Services.Api.Common;
using Services.Api.ReadModels;
using Services.Api.Tests.Http;
using Services.Api.Tests.Security;
using Services.EventStore;
using Services.EventStore.Projections;
using Services.Testing;

namespace Services.Api.Tests.ReadModels;

public sealed class ProjectionFaultLogTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_read_model_that_fails_on_its_events_is_logged_with_its_shard_and_the_fault()
    {
        var logs = new CapturedLogs();
        await using var node = api.Factory.WithWebHostBuilder(web =>
        {
            web.ConfigureLogging(logging => logging.AddProvider(logs));
            web.ConfigureTestServices(services => services.AddProjection<Failing>());
        });
        node.CreateClient();

        await api.RegisterAsync(OrganizationKind.Company);

        await Eventually.WaitUntilAsync(() => Task.FromResult(logs.Lines.Any(line =>
                line.Contains($"Warning Projection fault on {Failing.ShardName}", StringComparison.Ordinal) && line.Contains(Failing.Fault, StringComparison.Ordinal))),
            "the shard's fault reaches the log", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_shard_stuck_in_a_page_does_not_hold_the_nodes_shutdown_past_its_timeout_and_is_named_in_the_log()
    {
        var logs = new CapturedLogs();
        var stuck = new StuckProjection("stuck-at-shutdown-for-test");
        var node = api.Factory.WithWebHostBuilder(web =>
        {
            web.ConfigureLogging(logging => logging.AddProvider(logs));
            web.ConfigureTestServices(services =>
            {
                services.AddSingleton<IProjection>(stuck);
                services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
            });
        });
        try
        {
            node.CreateClient();
            await api.RegisterAsync(OrganizationKind.Company);
            await stuck.Entered.WaitAsync(TimeSpan.FromSeconds(20));

            await node.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));

            // The host stops waiting for the daemon when its timeout fires, as the daemon does: the warning may come just after.
            await Eventually.WaitUntilAsync(() => Task.FromResult(logs.Lines.Any(line =>
                    line.Contains("Warning Projection shards stuck-at-shutdown-for-test did not stop within the host's shutdown timeout", StringComparison.Ordinal))),
                "the stuck shard is named in the log", TimeSpan.FromSeconds(10));
        }
        finally
        {
            stuck.Release();
        }
    }

    private sealed class Failing : IProjection
    {
        public const string ShardName = "failing-for-test";

        public const string Fault = "this read model cannot take its events";

        public string Name => ShardName;

        public Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException(Fault);

        public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
