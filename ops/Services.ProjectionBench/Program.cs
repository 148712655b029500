using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.BenchKit;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.ProjectionBench;

using EventStore = Services.EventStore.EventStore;

/// <summary>
/// Projection benchmark (ops/bench.sh projections), on an empty database:
///   1. generate   a history of organizations, offers, slots, subscriptions and bookings (≥ --events
///                 events), appended through the store in multi-stream batches by several writers;
///   2. max        the store's maximum booking rate: closed loop, --load-writers writers, each booking
///                 one multi-stream append as the BookSeat command makes (booking, slot, subscription),
///                 no projection running (skipped when --max-bookings is given);
///   3. rebuild    a daemon with only the catalog shard: RebuildAsync, then the time until its
///                 checkpoint reaches the head of the feed → events/s;
///   4. load       bookings paced at --load-fraction of the maximum (open loop), warm-up then
///                 --duration s measured: lag = append returned → catalog checkpoint ≥ the append's
///                 LastPosition, seen by a watcher thread polling the checkpoint row every --poll-ms
///                 on its own connection;
///   5. verify     slot counters of the read model against what was booked.
/// Progress goes to stderr; the last stdout line is a JSON object with the figures.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length < 1)
        {
            await Console.Error.WriteLineAsync("usage: Services.ProjectionBench <connection-string> [--events n] [--gen-writers n] [--load-writers n] [--warmup s] [--duration s] [--max-seconds s] [--max-bookings n] [--load-fraction f] [--page-size n] [--poll-ms n]");
            return 2;
        }
        // Socket completions stay on the thread pool, as in the API (no DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS).
        var options = Options.Parse(args.AsSpan(1));
        var figures = new Dictionary<string, object?>();
        var total = Stopwatch.StartNew();

        await using var dataSource = EventStoreDataSource.Create(args[0], "projection-bench");
        var registry = new EventTypeRegistry(Json.ForEvents()).RegisterDomainEvents();
        await using var store = new EventStore(dataSource, registry);
        await SchemaMigration.ApplyAsync(store, CancellationToken.None);
        figures["fsync"] = await ScalarAsync<string>(dataSource, "show fsync");
        figures["synchronous_commit"] = await ScalarAsync<string>(dataSource, "show synchronous_commit");
        figures["loadavg_start"] = HostCpu.LoadAverage();

        // 1. History.
        var world = World.Create(new WorldShape(options.Events, options.GenWriters, options.LoadWriters));
        var workers = world.LoadOffers.Select((offer, w) => new LoadWorker(offer, w)).ToArray();
        Log($"generate: {world.PlannedBookings:N0} bookings on {world.HistorySlots.Count:N0} slots of {world.Offers.Count:N0} offers, "
            + $"{world.Subscriptions.Count:N0} subscriptions, {world.Organizations:N0} organizations; {options.GenWriters} writers, ~{Generator.EventsPerAppend} events per append");
        var gen = await Generator.RunAsync(store, world, options.GenWriters);
        var events = await ScalarAsync<long>(dataSource, "select count(*) from es_events");
        Log(F($"generate: {events:N0} events in {gen.Seconds:F1} s ({events / gen.Seconds:N0} events/s, {gen.Appends:N0} appends); {gen.Cpu}"));
        figures["generate_s"] = Math.Round(gen.Seconds, 1);
        figures["generate_eps"] = Math.Round(events / gen.Seconds);

        // 2. The store's maximum booking rate (no projection running).
        double maxBookings;
        if (options.MaxBookings > 0)
        {
            maxBookings = options.MaxBookings;
            figures["max_source"] = "given";
            Log(F($"max: {maxBookings:N0} bookings/s given (BENCH_STORE_EPS / 4 or BENCH_MAX_BOOKINGS)"));
        }
        else
        {
            var max = await Load.ClosedLoopAsync(store, workers, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(options.MaxSeconds));
            maxBookings = max.Rate;
            figures["max_source"] = "measured";
            Log(F($"max: {max.Rate:N0} bookings/s ({4 * max.Rate:N0} events/s), {options.LoadWriters} writers, append p50 {max.AppendP50:F1} ms p99 {max.AppendP99:F1} ms; {max.Cpu}"));
        }
        figures["max_bookings_per_s"] = Math.Round(maxBookings);

        // 3. Rebuild of the catalog shard over the whole history.
        var catalog = new TimedProjection(new CatalogProjection(new AvailabilityCache(TimeProvider.System)));
        var daemonOptions = new ProjectionDaemonOptions
        {
            PageSize = options.PageSize,
            NodeId = $"projection-bench:{Environment.ProcessId}",
            OnError = (shard, ex) => Log($"daemon error ({shard ?? "node"}): {ex.GetType().Name}: {ex.Message}"),
        };
        await using var daemon = new ProjectionDaemon(store, [catalog], daemonOptions);
        var head = await store.ReadHeadAsync();
        events = await ScalarAsync<long>(dataSource, "select count(*) from es_events");
        figures["events"] = events;
        await daemon.StartAsync();
        await daemon.RebuildAsync(catalog.Name, TimeSpan.FromSeconds(60));
        var before = catalog.Snapshot();
        var cpu = HostCpu.Start();
        var rebuildClock = Stopwatch.StartNew();
        using (var progress = new CancellationTokenSource())
        {
            var reporter = ReportProgressAsync(dataSource, catalog.Name, head, rebuildClock, progress.Token);
            if (!await daemon.WaitForPositionAsync(catalog.Name, head, TimeSpan.FromSeconds(options.RebuildTimeout)))
                Log($"rebuild: not caught up within {options.RebuildTimeout} s");
            await progress.CancelAsync();
            await reporter;
        }
        var rebuildSeconds = rebuildClock.Elapsed.TotalSeconds;
        var rebuildCpu = cpu.Report(events);
        var rebuildPages = catalog.Snapshot() - before;
        figures["rebuild_s"] = Math.Round(rebuildSeconds, 2);
        figures["rebuild_eps"] = Math.Round(events / rebuildSeconds);
        figures["rebuild_apply_share"] = Math.Round(rebuildPages.ApplySeconds / rebuildSeconds, 2);
        figures["page_size"] = options.PageSize;
        Log(F($"rebuild: {events:N0} events in {rebuildSeconds:F1} s = {events / rebuildSeconds:N0} events/s; {rebuildPages.Pages:N0} pages, "
            + $"CatalogProjection.ApplyAsync {rebuildPages.ApplySeconds:F1} s ({100 * rebuildPages.ApplySeconds / rebuildSeconds:F0}% of the time); {rebuildCpu}"));

        // 4. Lag under a steady booking load.
        var rate = maxBookings * options.LoadFraction;
        Log(F($"load: {rate:N0} bookings/s ({options.LoadFraction:P0} of {maxBookings:N0}), {options.WarmupSeconds} s warm-up + {options.DurationSeconds} s measured, {options.LoadWriters} writers; checkpoint polled every {options.PollMs} ms"));
        using var watcher = await LagWatcher.StartAsync(dataSource, catalog.Name, options.PollMs);
        var pagesBefore = catalog.Snapshot();
        catalog.Record(true);
        var loadCpu = HostCpu.Start();
        var load = await Load.PacedAsync(store, workers, rate, TimeSpan.FromSeconds(options.WarmupSeconds), TimeSpan.FromSeconds(options.DurationSeconds), watcher);
        var loadCpuReport = loadCpu.Report(load.Count);
        var pages = catalog.Snapshot() - pagesBefore;
        catalog.Record(false);
        var drained = await watcher.WaitForPendingAsync(TimeSpan.FromSeconds(10));
        var lags = watcher.Lags();
        var unresolved = watcher.PendingCount;
        Log(F($"load: {load.Rate:N0} bookings/s achieved ({4 * load.Rate:N0} events/s), {load.Count:N0} bookings measured; append p50 {load.AppendP50:F1} ms p99 {load.AppendP99:F1} ms; start lateness p99 {load.LatenessP99:F1} ms; {loadCpuReport}"));
        Log(F($"lag: p50 {Percentile(lags, 0.50):F1} ms, p90 {Percentile(lags, 0.90):F1} ms, p99 {Percentile(lags, 0.99):F1} ms, max {Percentile(lags, 1):F1} ms over {lags.Length:N0} appends "
            + $"({unresolved} not visible after 10 s); watcher: {watcher.Polls:N0} polls, {watcher.MeanPeriodMs:F2} ms mean period, {watcher.MeanQueryMs:F2} ms mean query"));
        Log(F($"catalog shard during load (warm-up included): {pages.Pages:N0} pages, {(pages.Pages == 0 ? 0 : (double)pages.Events / pages.Pages):F1} events/page, "
            + $"ApplyAsync mean {(pages.Pages == 0 ? 0 : 1000 * pages.ApplySeconds / pages.Pages):F2} ms; {catalog.Cycle()}"));
        figures["load_target_bookings_per_s"] = Math.Round(rate);
        figures["load_bookings_per_s"] = Math.Round(load.Rate);
        figures["load_eps"] = Math.Round(4 * load.Rate);
        figures["load_s"] = options.DurationSeconds;
        figures["lag_samples"] = lags.Length;
        figures["lag_p50_ms"] = Math.Round(Percentile(lags, 0.50), 1);
        figures["lag_p90_ms"] = Math.Round(Percentile(lags, 0.90), 1);
        figures["lag_p99_ms"] = Math.Round(Percentile(lags, 0.99), 1);
        figures["lag_max_ms"] = Math.Round(Percentile(lags, 1), 1);
        figures["lag_unresolved"] = unresolved;
        figures["lag_resolution_ms"] = Math.Round(watcher.MeanPeriodMs, 2);
        figures["append_p50_ms"] = Math.Round(load.AppendP50, 1);
        figures["append_p99_ms"] = Math.Round(load.AppendP99, 1);
        figures["load_events_per_page"] = pages.Pages == 0 ? 0 : Math.Round((double)pages.Events / pages.Pages, 1);
        _ = drained;

        // 5. Verify the read model against what was booked.
        await daemon.WaitForPositionAsync(catalog.Name, await store.ReadHeadAsync(), TimeSpan.FromSeconds(30));
        await daemon.StopAsync();
        var verified = await VerifyAsync(dataSource, world, workers);
        figures["verified"] = verified;
        figures["lag_target_met"] = Percentile(lags, 0.99) <= 100 && unresolved == 0;
        figures["rebuild_target_met"] = events / rebuildSeconds >= 20_000;
        figures["loadavg_end"] = HostCpu.LoadAverage();
        figures["total_s"] = Math.Round(total.Elapsed.TotalSeconds);
        Console.WriteLine(JsonSerializer.Serialize(figures));
        return 0;
    }

    private static async Task ReportProgressAsync(NpgsqlDataSource dataSource, string shard, FeedPosition head, Stopwatch clock, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
                await using var command = dataSource.CreateCommand("select last_position, status from es_checkpoints where name = $1");
                command.Parameters.Add(new NpgsqlParameter { Value = shard });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken)) continue;
                var position = reader.GetInt64(0);
                Log(F($"rebuild: {clock.Elapsed.TotalSeconds:F0} s, at global position {position:N0} of {head.GlobalPosition:N0} ({100.0 * position / head.GlobalPosition:F0}%), {position / clock.Elapsed.TotalSeconds:N0} positions/s, status {reader.GetString(1)}"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<bool> VerifyAsync(NpgsqlDataSource dataSource, World world, LoadWorker[] workers)
    {
        long expectedReserved = 0, expectedWaiting = 0;
        foreach (var slot in world.HistorySlots.Concat(workers.SelectMany(w => w.Slots)))
        {
            expectedReserved += slot.Reserved;
            expectedWaiting += slot.Waiting;
        }
        var slots = world.HistorySlots.Count + workers.Sum(w => w.Slots.Length);
        await using var command = dataSource.CreateCommand("select count(*), coalesce(sum(reserved), 0), coalesce(sum(waitlist_length), 0) from rm_catalog_slots");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (count, reserved, waiting) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        var ok = count == slots && reserved == expectedReserved && waiting == expectedWaiting;
        Log($"verify: rm_catalog_slots {count:N0} slots, {reserved:N0} reserved, {waiting:N0} waitlisted; expected {slots:N0}, {expectedReserved:N0}, {expectedWaiting:N0}: {(ok ? "ok" : "MISMATCH")}");
        return ok;
    }

    internal static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    internal static double Percentile(double[] sorted, double p) => Stats.Percentile(sorted, p);

    internal static void Log(string message) => Stats.Log(message);

    /// <summary>InvariantGlobalization is on: interpolation is culture-invariant already.</summary>
    internal static string F(string text) => text;
}

internal sealed record Options(
    long Events, int GenWriters, int LoadWriters, double WarmupSeconds, double DurationSeconds, double MaxSeconds,
    double MaxBookings, double LoadFraction, int PageSize, int PollMs, double RebuildTimeout)
{
    public static Options Parse(ReadOnlySpan<string> args)
    {
        var o = new Options(1_000_000, 4, 16, 5, 25, 5, 0, 0.5, 500, 1, 240);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            double D() => double.Parse(v, CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--events" => o with { Events = long.Parse(v, CultureInfo.InvariantCulture) },
                "--gen-writers" => o with { GenWriters = int.Parse(v, CultureInfo.InvariantCulture) },
                "--load-writers" => o with { LoadWriters = int.Parse(v, CultureInfo.InvariantCulture) },
                "--warmup" => o with { WarmupSeconds = D() },
                "--duration" => o with { DurationSeconds = D() },
                "--max-seconds" => o with { MaxSeconds = D() },
                "--max-bookings" => o with { MaxBookings = D() },
                "--load-fraction" => o with { LoadFraction = D() },
                "--page-size" => o with { PageSize = int.Parse(v, CultureInfo.InvariantCulture) },
                "--poll-ms" => o with { PollMs = int.Parse(v, CultureInfo.InvariantCulture) },
                "--rebuild-timeout" => o with { RebuildTimeout = D() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return o;
    }
}

/// <summary>
/// Counts the catalog projection's pages and the time spent in its ApplyAsync (the SQL batch of a
/// page); while recording, also each page's apply time and the gap from the end of one apply to the
/// start of the next (checkpoint update, commit, reading the next page, and any idle wait).
/// </summary>
internal sealed class TimedProjection(IProjection inner) : IProjection, IShardObserver
{
    private readonly object _gate = new();
    private readonly List<double> _applyMs = [], _gapMs = [];
    private long _pages, _events, _ticks, _lastEnd;
    private volatile bool _recording;

    public string Name => inner.Name;

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        await inner.ApplyAsync(page, context, cancellationToken);
        var end = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _ticks, end - start);
        Interlocked.Increment(ref _pages);
        Interlocked.Add(ref _events, page.Count);
        if (_recording)
        {
            lock (_gate)
            {
                _applyMs.Add(1000.0 * (end - start) / Stopwatch.Frequency);
                if (_lastEnd != 0) _gapMs.Add(1000.0 * (start - _lastEnd) / Stopwatch.Frequency);
            }
        }
        _lastEnd = end;
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        inner.ResetAsync(connection, transaction, cancellationToken);

    // What the daemon tells the inner projection, so that the timed shard does all the work the API's does.
    public void Running(FeedPosition position) => (inner as IShardObserver)?.Running(position);

    public void PageApplying(IReadOnlyList<RecordedEvent> page) => (inner as IShardObserver)?.PageApplying(page);

    public void PageApplied(FeedPosition position) => (inner as IShardObserver)?.PageApplied(position);

    public void NotRunning() => (inner as IShardObserver)?.NotRunning();

    public PageCounters Snapshot() => new(Interlocked.Read(ref _pages), Interlocked.Read(ref _events), (double)Interlocked.Read(ref _ticks) / Stopwatch.Frequency);

    public void Record(bool on) => _recording = on;

    public string Cycle()
    {
        lock (_gate)
        {
            var apply = _applyMs.Order().ToArray();
            var gap = _gapMs.Order().ToArray();
            return Program.F($"apply p50 {Program.Percentile(apply, 0.5):F1} ms p99 {Program.Percentile(apply, 0.99):F1} ms max {Program.Percentile(apply, 1):F1} ms; "
                + $"between pages p50 {Program.Percentile(gap, 0.5):F1} ms p99 {Program.Percentile(gap, 0.99):F1} ms max {Program.Percentile(gap, 1):F1} ms");
        }
    }
}

internal readonly record struct PageCounters(long Pages, long Events, double ApplySeconds)
{
    public static PageCounters operator -(PageCounters a, PageCounters b) => new(a.Pages - b.Pages, a.Events - b.Events, a.ApplySeconds - b.ApplySeconds);
}

/// <summary>
/// Polls the shard's checkpoint row on a dedicated connection from a dedicated thread, every
/// <c>pollMs</c> (plus the query's round trip). An append is visible once the checkpoint is at or
/// past its LastPosition (the read-model rows commit with the checkpoint); its lag is the time from
/// the append's return to the end of the first poll that saw it, an upper bound that exceeds the
/// true lag by at most one poll period. An append whose position an earlier poll had already seen
/// counts 0.
/// </summary>
internal sealed class LagWatcher : IDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlCommand _read;
    private readonly int _pollMs;
    private readonly object _gate = new();
    private readonly List<(FeedPosition Position, long Returned)> _pending = [];
    private readonly List<double> _lags = [];
    private readonly Thread _thread;
    private volatile bool _stop;
    private FeedPosition _seen;
    private long _polls, _queryTicks, _firstPoll, _lastPoll;

    private LagWatcher(NpgsqlConnection connection, string shard, int pollMs)
    {
        _connection = connection;
        _pollMs = pollMs;
        _read = new NpgsqlCommand("select last_xid, last_position from es_checkpoints where name = $1", connection);
        _read.Parameters.Add(new NpgsqlParameter { Value = shard });
        _read.Prepare();
        _thread = new Thread(Run) { IsBackground = true, Name = "lag-watcher", Priority = ThreadPriority.AboveNormal };
    }

    public static async Task<LagWatcher> StartAsync(NpgsqlDataSource dataSource, string shard, int pollMs)
    {
        await Task.CompletedTask;
        // Opened synchronously: the socket stays in blocking mode, so the watcher's reads are plain
        // blocking calls on its own thread and never wait for the async socket engine.
        var connection = dataSource.OpenConnection();
        var watcher = new LagWatcher(connection, shard, pollMs);
        watcher._thread.Start();
        return watcher;
    }

    public long Polls => Interlocked.Read(ref _polls);

    public double MeanPeriodMs => Polls < 2 ? double.NaN : 1000.0 * (_lastPoll - _firstPoll) / Stopwatch.Frequency / (Polls - 1);

    public double MeanQueryMs => Polls == 0 ? double.NaN : 1000.0 * _queryTicks / Stopwatch.Frequency / Polls;

    public int PendingCount { get { lock (_gate) return _pending.Count; } }

    /// <summary>Called right after an append returned.</summary>
    public void Register(FeedPosition position, long returned)
    {
        lock (_gate)
        {
            if (position <= _seen) _lags.Add(0);
            else _pending.Add((position, returned));
        }
    }

    public async Task<bool> WaitForPendingAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (PendingCount == 0) return true;
            await Task.Delay(5);

        }
        return false;
    }

    public double[] Lags()
    {
        lock (_gate)
        {
            var lags = _lags.ToArray();
            Array.Sort(lags);
            return lags;
        }
    }

    private void Run()
    {
        while (!_stop)
        {
            var start = Stopwatch.GetTimestamp();
            FeedPosition position;
            using (var reader = _read.ExecuteReader())
            {
                position = reader.Read() ? new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)) : FeedPosition.Start;
            }
            var now = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                _seen = position;
                for (var i = _pending.Count - 1; i >= 0; i--)
                {
                    if (_pending[i].Position > position) continue;
                    _lags.Add(Math.Max(0, 1000.0 * (now - _pending[i].Returned) / Stopwatch.Frequency));
                    _pending[i] = _pending[^1];
                    _pending.RemoveAt(_pending.Count - 1);
                }
            }
            _queryTicks += now - start;
            if (_polls == 0) _firstPoll = now;
            _lastPoll = now;
            Interlocked.Increment(ref _polls);
            Thread.Sleep(_pollMs);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _read.Dispose();
        _connection.Dispose();
    }
}
