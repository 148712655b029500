using Npgsql;
using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;

namespace Services.EventStore.Tests.Projections;

public sealed class ShardObserverTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task Every_page_is_bracketed_before_its_changes_can_be_seen_and_after_they_are_committed()
    {
        var observed = new ObservedProjection("observed-pages", fixture.DataSource);
        await using var daemon = new ProjectionDaemon(fixture.Store, [observed], Options("node-o"));
        await daemon.StartAsync();
        var head = await AppendManyAsync(fixture.Store, "observed", 60, perAppend: 3);
        await WaitCaughtUpAsync(daemon, observed.Name, head.LastPosition);
        await daemon.StopAsync();

        var calls = observed.Calls;
        calls[0].ShouldBe("running");
        calls[^1].ShouldBe("not running");
        var applied = Enumerable.Range(1, calls.Count - 2).Where(i => calls[i] == "apply").ToList();
        applied.ShouldNotBeEmpty();
        applied.ShouldAllBe(i => calls[i - 1] == "applying, not committed" && calls[i + 1] == "applied, committed");
        calls.Count(call => call.StartsWith("applying", StringComparison.Ordinal)).ShouldBe(applied.Count);
        calls.Count(call => call.StartsWith("applied", StringComparison.Ordinal)).ShouldBe(applied.Count);
    }

    [Fact]
    public async Task A_reset_is_announced_before_the_rows_are_emptied_and_the_shard_runs_again_after()
    {
        var observed = new ObservedProjection("observed-reset", fixture.DataSource);
        await using var daemon = new ProjectionDaemon(fixture.Store, [observed], Options("node-r"));
        await daemon.StartAsync();
        var head = await AppendManyAsync(fixture.Store, "reset", 10);
        await WaitCaughtUpAsync(daemon, observed.Name, head.LastPosition);
        await observed.SettledAsync();
        var before = observed.Calls.Count;

        await daemon.RebuildAsync(observed.Name);
        await WaitCaughtUpAsync(daemon, observed.Name, head.LastPosition);
        await observed.SettledAsync();

        var calls = observed.Calls.Skip(before).ToList();
        calls.Take(3).ShouldBe(["not running", "reset", "running"]);
        calls.Skip(3).ShouldContain("applied, committed");
    }

    [Fact]
    public async Task A_page_that_failed_is_applied_for_the_observer_at_the_position_before_it()
    {
        var observed = new ObservedProjection("observed-failure", fixture.DataSource);
        await using var daemon = new ProjectionDaemon(fixture.Store, [observed], Options("node-f"));
        await daemon.StartAsync();
        var first = await AppendManyAsync(fixture.Store, "failing", 5);
        await WaitCaughtUpAsync(daemon, observed.Name, first.LastPosition);
        await observed.SettledAsync();
        var before = observed.Calls.Count;
        observed.Failures = 1;

        var head = await AppendManyAsync(fixture.Store, "failing", 5);
        await WaitCaughtUpAsync(daemon, observed.Name, head.LastPosition);
        await observed.SettledAsync();

        observed.Calls.Skip(before).ShouldBe(["applying, not committed", "apply failed", "applied, not committed", "applying, not committed", "apply", "applied, committed"]);
    }

    /// <summary>Logs the observer's calls and the projection's, each with whether the page's checkpoint had committed.</summary>
    private sealed class ObservedProjection(string name, NpgsqlDataSource dataSource) : IProjection, IShardObserver
    {
        private readonly List<string> _calls = [];
        private FeedPosition _pageEnd;

        public string Name { get; } = name;

        public IReadOnlyList<string> Calls
        {
            get
            {
                lock (_calls) return [.. _calls];
            }
        }

        /// <summary>
        /// Waits for the observer to hear of the last page: its checkpoint is visible to others
        /// as soon as it commits, a moment before.
        /// </summary>
        public Task SettledAsync() => Eventually.WaitUntilAsync(() => Task.FromResult(Calls[^1] == "applied, committed"), "the last page is applied");

        /// <summary>How many pages fail before pages apply.</summary>
        public int Failures { get; set; }

        public Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
        {
            if (Failures > 0)
            {
                Failures--;
                Log("apply failed");
                throw new InvalidOperationException("Cannot project this page yet.");
            }
            Log("apply");
            return Task.CompletedTask;
        }

        public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        {
            Log("reset");
            return Task.CompletedTask;
        }

        public void Running(FeedPosition position) => Log("running");

        public void PageApplying(IReadOnlyList<RecordedEvent> page)
        {
            _pageEnd = page[^1].Position;
            Log(CommittedUpTo() >= _pageEnd ? "applying, committed" : "applying, not committed");
        }

        public void PageApplied(FeedPosition position) => Log(CommittedUpTo() >= _pageEnd
            ? position == _pageEnd ? "applied, committed" : "applied, committed but told otherwise"
            : position < _pageEnd ? "applied, not committed" : "applied, not committed but told otherwise");

        public void NotRunning() => Log("not running");

        /// <summary>The shard's checkpoint as another session sees it.</summary>
        private FeedPosition CommittedUpTo()
        {
            using var command = dataSource.CreateCommand(ProjectionSql.ReadPosition);
            command.Parameters.Add(new NpgsqlParameter { Value = Name });
            using var reader = command.ExecuteReader();
            reader.Read().ShouldBeTrue();
            return new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
        }

        private void Log(string call)
        {
            lock (_calls) _calls.Add(call);
        }
    }
}
