using Npgsql;
using Services.EventStore.Projections;
using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests.Projections;

internal static class Projected
{
    private static readonly ProjectionDaemonOptions Defaults = new();

    /// <summary>Fast retries and polling, so that the tests stay quick.</summary>
    public static ProjectionDaemonOptions Options(
        string node, int? pageTarget = null, TimeSpan? maxPageInterval = null, TimeSpan? lockTimeout = null, Action<Exception>? onError = null,
        int? maxAttempts = null, int? maxDeadLettersInARow = null, TimeSpan? retryDelay = null) => new()
    {
        LockTimeout = lockTimeout ?? Defaults.LockTimeout,
        MaxAttempts = maxAttempts ?? Defaults.MaxAttempts,
        MaxDeadLettersInARow = maxDeadLettersInARow ?? Defaults.MaxDeadLettersInARow,
        NodeId = node,
        PageTarget = pageTarget ?? Defaults.PageTarget,
        MaxPageInterval = maxPageInterval ?? Defaults.MaxPageInterval,
        PageSize = 100,
        PollInterval = TimeSpan.FromMilliseconds(200),
        AcquireInterval = TimeSpan.FromMilliseconds(200),
        UnownedGrace = TimeSpan.FromMilliseconds(600),
        RetryDelay = retryDelay ?? TimeSpan.FromMilliseconds(10),
        OnError = (shard, error) =>
        {
            onError?.Invoke(error);
            if (error is not InvalidOperationException { Message: var m } || !m.StartsWith("Cannot project", StringComparison.Ordinal))
                Console.Error.WriteLine($"[{node}] {shard ?? "coordinator"}: {error}");
        },
    };

    public static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(15);

    /// <summary>Appends <paramref name="count"/> events over a few streams, in transactions of several events.</summary>
    public static async Task<AppendResult> AppendManyAsync(EventStore store, string prefix, int count, int perAppend = 5, int streams = 7)
    {
        AppendResult? last = null;
        for (var i = 0; i < count; i += perAppend)
        {
            var events = Enumerable.Range(i, Math.Min(perAppend, count - i)).Select(n => (object)new Counted(n)).ToList();
            last = await store.AppendAsync($"{prefix}-{i / perAppend % streams}", "thing", ExpectedVersion.Any, events);
        }
        return last!;
    }

    public static async Task WaitCaughtUpAsync(ProjectionDaemon daemon, string name, FeedPosition position)
    {
        if (await daemon.WaitForPositionAsync(name, position, CatchUp)) return;
        var statuses = string.Join("\n", await daemon.GetStatusAsync());
        throw new TimeoutException($"{name} did not reach {position}; shards:\n{statuses}");
    }

    /// <summary>The read model's rows, as text, in order.</summary>
    public static Task<List<string>> RowsAsync(NpgsqlDataSource dataSource, string table) => RowsFromAsync(dataSource, table);

    /// <summary>What the read model must hold: per stream, from the events table itself.</summary>
    public static Task<List<string>> ExpectedRowsAsync(NpgsqlDataSource dataSource, string? exceptEvent = null) =>
        RowsFromAsync(dataSource, $"""
            (select stream_id, count(*) as events, max(stream_version) as last_version, min(created_at) as first_at, max(created_at) as last_at
             from es_events {(exceptEvent is null ? "" : $"where event_id <> '{exceptEvent}'")} group by stream_id) expected
            """);

    private static async Task<List<string>> RowsFromAsync(NpgsqlDataSource dataSource, string from)
    {
        await using var command = dataSource.CreateCommand($"select stream_id, events, last_version, first_at, last_at from {from} order by stream_id");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add($"{reader.GetString(0)}|{reader.GetInt64(1)}|{reader.GetInt64(2)}|{reader.GetFieldValue<DateTimeOffset>(3):O}|{reader.GetFieldValue<DateTimeOffset>(4):O}");
        return rows;
    }

    /// <summary>Checks that every event in the feed was applied exactly once to <paramref name="table"/>.</summary>
    public static async Task ShouldBeExactlyOnceAsync(NpgsqlDataSource dataSource, string table)
    {
        var feed = await Sql.CountAsync(dataSource, "select count(*) from es_events");
        (await Sql.CountAsync(dataSource, $"select count(*) from {table}_applied")).ShouldBe(feed, "applications");
        (await Sql.CountAsync(dataSource, $"select count(distinct event_id) from {table}_applied")).ShouldBe(feed, "distinct events applied");
        (await Sql.CountAsync(dataSource, $"select count(*) from es_events e where not exists (select 1 from {table}_applied a where a.event_id = e.event_id)")).ShouldBe(0);
        (await RowsAsync(dataSource, table)).ShouldBe(await ExpectedRowsAsync(dataSource));
    }
}
