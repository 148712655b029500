using Npgsql;
using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;

namespace Services.EventStore.Tests.Projections;

public sealed class TwoNodeTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly string[] Shards = ["shard_a", "shard_b", "shard_c", "shard_d"];

    private static ProjectionDaemon Node(EventStore store, string node, string[]? shards = null) =>
        new(store, (shards ?? Shards).Select(s => new CountingProjection(s, s, node)), Options(node));

    [Theory]
    [InlineData(ProjectionSql.LockNode)]
    [InlineData(ProjectionSql.TryLockShard)]
    public async Task A_session_that_takes_a_lock_has_keepalives_set_to_notice_a_vanished_node_within_seconds_and_a_shard_a_lock_timeout(string takeLock)
    {
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using (var take = new NpgsqlCommand(takeLock, connection))
        {
            take.Parameters.Add(new NpgsqlParameter { Value = $"keepalive-{Guid.NewGuid():N}" });
            if (takeLock == ProjectionSql.TryLockShard) take.Parameters.Add(new NpgsqlParameter { Value = "1500" });
            ((bool)(await take.ExecuteScalarAsync())!).ShouldBeTrue();
        }
        (await LockTimeoutAsync(connection)).ShouldBe(takeLock == ProjectionSql.TryLockShard ? "1500ms" : "0", "a shard's page waits for a lock that long at most");
        // Over TCP (the tests connect to 127.0.0.1) the settings apply: idle, then unanswered probes.
        (await DeadPeerNoticedWithinAsync(connection)).ShouldBeInRange(1, 30);

        await using (var unlock = new NpgsqlCommand(ProjectionSql.UnlockAll, connection)) await unlock.ExecuteNonQueryAsync();
        (await DeadPeerNoticedWithinAsync(connection)).ShouldBeGreaterThan(30, "released with the locks: the pooled connection keeps nothing");
        (await LockTimeoutAsync(connection)).ShouldBe("0");
    }

    private static async Task<string> LockTimeoutAsync(NpgsqlConnection connection)
    {
        await using var show = new NpgsqlCommand("select current_setting('lock_timeout')", connection);
        return (string)(await show.ExecuteScalarAsync())!;
    }

    private static async Task<int> DeadPeerNoticedWithinAsync(NpgsqlConnection connection)
    {
        await using var show = new NpgsqlCommand(
            "select current_setting('tcp_keepalives_idle')::int + current_setting('tcp_keepalives_interval')::int * current_setting('tcp_keepalives_count')::int", connection);
        return (int)(await show.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task When_a_node_loses_its_connections_its_shards_are_run_again_exactly_once()
    {
        string[] shards = ["crash_a", "crash_b"];
        await using var sourceA = EventStoreDataSource.Create(fixture.ConnectionString, "crash-node-a");
        await using var storeA = new EventStore(sourceA, StoreFixture.NewRegistry());
        await using var sourceB = EventStoreDataSource.Create(fixture.ConnectionString, "crash-node-b");
        await using var storeB = new EventStore(sourceB, StoreFixture.NewRegistry());
        await using var nodeA = Node(storeA, "crash-a", shards);
        await using var nodeB = Node(storeB, "crash-b", shards);
        await nodeA.StartAsync();
        var first = await AppendManyAsync(fixture.Store, "crash-before", 100);
        foreach (var shard in shards) await WaitCaughtUpAsync(nodeA, shard, first.LastPosition);
        await nodeB.StartAsync();
        await Eventually.WaitUntilAsync(() => Task.FromResult(nodeA.OwnedShards.Count == 1 && nodeB.OwnedShards.Count == 1),
            "the nodes share the shards", TimeSpan.FromSeconds(10));

        var lost = nodeA.OwnedShards.Single();
        var lostSession = (await ShardLockHoldersAsync(shards))[lost];
        lostSession.Node.ShouldBe("crash-node-a");

        // Node A's sessions die (as when its process or network goes): the server frees its locks.
        using var stop = new CancellationTokenSource();
        var appending = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested) await AppendManyAsync(fixture.Store, $"crash-during-{n++ % 3}", 10, perAppend: 2);
        });
        (await Sql.CountAsync(fixture.DataSource,
            "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and application_name = 'crash-node-a'")).ShouldBeGreaterThan(0);
        // The terminated session can never hold the lock again: once it has let go, the shard was
        // really lost, and whoever runs it later took it anew (node A may win it back, or node B).
        await Eventually.WaitUntilAsync(async () => (await ShardLockHoldersAsync(shards)).GetValueOrDefault(lost).Pid != lostSession.Pid,
            $"node A's terminated session lets {lost} go", TimeSpan.FromSeconds(10));
        // Every shard is run by exactly the node whose session holds its lock: a runner of node A that
        // has not yet noticed its dead connection would still be listed, and not hold the lock.
        await Eventually.WaitUntilAsync(async () =>
            {
                var holders = await ShardLockHoldersAsync(shards);
                var (ranByA, ranByB) = (nodeA.OwnedShards, nodeB.OwnedShards);
                return ranByA.Count + ranByB.Count == shards.Length && !ranByA.Intersect(ranByB).Any()
                    && shards.All(shard => holders.TryGetValue(shard, out var holder)
                        && holder.Node == (ranByA.Contains(shard) ? "crash-node-a" : ranByB.Contains(shard) ? "crash-node-b" : null));
            },
            "every shard runs again, each on the node that holds its lock", TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await appending;

        var last = await AppendManyAsync(fixture.Store, "crash-after", 20);
        foreach (var shard in shards)
        {
            await WaitCaughtUpAsync(nodeB, shard, last.LastPosition);
            await ShouldBeExactlyOnceAsync(fixture.DataSource, shard);
            CountingProjection.OverlapsOf(shard).ShouldBe(0, $"{shard} ran on two nodes at once");
        }
    }

    [Fact]
    public async Task Two_nodes_share_the_shards_never_run_one_together_and_hand_over_when_one_stops()
    {
        await using var sourceB = EventStoreDataSource.Create(fixture.ConnectionString, "node-b");
        await using var storeB = new EventStore(sourceB, StoreFixture.NewRegistry());
        var nodeA = Node(fixture.Store, "node-a");
        await using var nodeB = Node(storeB, "node-b");
        try
        {
            await AppendManyAsync(fixture.Store, "seed", 200);
            await nodeA.StartAsync();
            await nodeB.StartAsync();

            // Appends on both nodes while the shards are spread.
            using var stop = new CancellationTokenSource();
            var appenders = new[] { fixture.Store, storeB }.Select((store, i) => Task.Run(async () =>
            {
                var n = 0;
                while (!stop.IsCancellationRequested) await AppendManyAsync(store, $"load-{i}-{n++ % 4}", 10, perAppend: 2);
            })).ToList();
            await Eventually.WaitUntilAsync(() => Task.FromResult(nodeA.OwnedShards.Count == 2 && nodeB.OwnedShards.Count == 2),
                "each node runs half of the shards", TimeSpan.FromSeconds(10));
            await Eventually.WaitUntilAsync(async () => (await OwnersAsync()).SetEquals(["node-a", "node-b"]), "both nodes show as owners", TimeSpan.FromSeconds(5));
            nodeA.OwnedShards.Intersect(nodeB.OwnedShards).ShouldBeEmpty();
            await stop.CancelAsync();
            await Task.WhenAll(appenders);
            var head = await AppendManyAsync(storeB, "head", 5);
            foreach (var shard in Shards) await WaitCaughtUpAsync(nodeA, shard, head.LastPosition);
            foreach (var shard in Shards) await ShouldBeExactlyOnceAsync(fixture.DataSource, shard);

            // Node A stops: node B takes all its shards over within a few seconds.
            await nodeA.DisposeAsync();
            await Eventually.WaitUntilAsync(() => Task.FromResult(nodeB.OwnedShards.Count == Shards.Length),
                "node B runs every shard", TimeSpan.FromSeconds(5));
            await Eventually.WaitUntilAsync(async () => (await OwnersAsync()).SetEquals(["node-b"]), "node B shows as the only owner", TimeSpan.FromSeconds(5));
            var after = await AppendManyAsync(fixture.Store, "after", 50);
            foreach (var shard in Shards) await WaitCaughtUpAsync(nodeB, shard, after.LastPosition);
            foreach (var shard in Shards)
            {
                await ShouldBeExactlyOnceAsync(fixture.DataSource, shard);
                CountingProjection.OverlapsOf(shard).ShouldBe(0, $"{shard} ran on two nodes at once");
                (await Sql.CountAsync(fixture.DataSource, $"select count(*) from {shard}_applied a join es_events e using (event_id) where e.stream_id like 'after-%' and a.node <> 'node-b'")).ShouldBe(0);
            }
            (await Sql.CountAsync(fixture.DataSource, "select count(*) from es_dead_letters")).ShouldBe(0);
        }
        finally
        {
            await nodeA.DisposeAsync();
        }
    }

    /// <summary>Per shard, the session that holds its lock now: its backend pid and its node's application name.</summary>
    private async Task<Dictionary<string, (int Pid, string? Node)>> ShardLockHoldersAsync(string[] shards)
    {
        await using var command = fixture.DataSource.CreateCommand($"""
            select s.name, l.pid, a.application_name
            from unnest($1::text[]) s(name)
            join pg_locks l on l.locktype = 'advisory' and l.granted and l.objsubid = 2
                and l.database = (select oid from pg_database where datname = current_database())
                and l.classid = {ProjectionSql.ShardLockClass}::oid and l.objid = hashtext(s.name)::oid
            left join pg_stat_activity a on a.pid = l.pid
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = shards });
        await using var reader = await command.ExecuteReaderAsync();
        var holders = new Dictionary<string, (int Pid, string? Node)>(StringComparer.Ordinal);
        while (await reader.ReadAsync()) holders[reader.GetString(0)] = (reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        return holders;
    }

    private async Task<HashSet<string>> OwnersAsync()
    {
        await using var command = fixture.DataSource.CreateCommand("select coalesce(owner, '') from es_checkpoints where name = any($1)");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Shards });
        await using var reader = await command.ExecuteReaderAsync();
        var owners = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync()) owners.Add(reader.GetString(0));
        return owners;
    }
}
