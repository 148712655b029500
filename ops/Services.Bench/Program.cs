using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Services.BenchKit;
using Services.EventStore;

namespace Services.Bench;

using EventStore = Services.EventStore.EventStore;

/// <summary>
/// Event store benchmark phases, one per invocation:
///   append-new   one ~300-byte event to a new stream per append, N concurrent writers
///   append-one   one event per append to one existing stream with its expected version, 1 writer
///                (both: --rounds slices of --duration s after the warm-up; with --pgbench, that
///                script runs as many clients after each slice, and each ratio is the median of the
///                rounds' ratios)
///   read-feed    the global feed from the start in pages through ReadFeedAsync (bulk-loads first
///                when fewer than --min-events exist)
/// Progress goes to stderr; the last stdout line is a JSON object with the phase's figures.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length < 2)
        {
            await Console.Error.WriteLineAsync("usage: Services.Bench <connection-string> append-new|append-one|read-feed|payload [--duration s] [--warmup s] [--writers n] [--min-events n] [--page n] [--rounds n] [--pgbench script]");
            return 2;
        }
        // Socket completions run on the epoll thread instead of hopping to a thread-pool worker:
        // one wake-up per round trip instead of two (read when the socket engine first starts).
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        var options = Options.Parse(args.AsSpan(2));
        if (args[1] == "payload")
        {
            // The same JSON for pgbench's equivalent insert.
            Console.WriteLine(JsonSerializer.Serialize(BenchEvents.Sample(), BenchEvents.Registry().SerializerOptions));
            return 0;
        }
        await using var dataSource = EventStoreDataSource.Create(args[0], "bench");
        await using var store = new EventStore(dataSource, BenchEvents.Registry());
        ClientCpu.Postmaster = await ProcessCpu.PostmasterAsync(dataSource);
        await store.MigrateAsync();
        var figures = args[1] switch
        {
            "append-new" => await AppendNewStreamsAsync(store, options),
            "append-one" => await AppendOneStreamAsync(store, options),
            "read-feed" => await ReadFeedAsync(store, options),
            _ => null,
        };
        if (figures is null)
        {
            await Console.Error.WriteLineAsync($"unknown phase '{args[1]}'");
            return 2;
        }
        Console.WriteLine(JsonSerializer.Serialize(figures));
        return 0;
    }

    private static async Task<Dictionary<string, object>> AppendNewStreamsAsync(EventStore store, Options options)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        IReadOnlyList<object> events = [BenchEvents.Sample()];
        var measured = await MeasureAsync(store, options, options.Writers, "append-new", async (writer, counter, stop) =>
        {
            // The counter goes on from slice to slice: every stream is new.
            while (!stop.IsCancellationRequested)
            {
                await store.AppendAsync(string.Create(CultureInfo.InvariantCulture, $"order-{run}-{writer}-{counter.Value}"), "order", ExpectedVersion.NoStream, events);
                counter.Increment();
            }
        });
        await Console.Error.WriteLineAsync($"append-new: {measured.Count} events in {measured.Seconds:F1} s with {options.Writers} writers = {measured.Count / measured.Seconds:F0} events/s");
        var figures = new Dictionary<string, object>
        {
            ["append_new_streams_eps"] = Math.Round(Stats.Median(measured.Rates), 1),
            ["append_new_streams_writers"] = options.Writers,
            ["append_new_client_cpu_us"] = measured.Cpu.ClientMicroseconds,
            ["append_new_postgres_cpu_us"] = measured.Cpu.PostgresMicroseconds,
        };
        measured.AddYardstick(figures, options.Writers, "ratio_new_streams");
        return figures;
    }

    private static async Task<Dictionary<string, object>> AppendOneStreamAsync(EventStore store, Options options)
    {
        var stream = $"order-one-{Guid.NewGuid():N}";
        IReadOnlyList<object> events = [BenchEvents.Sample()];
        var version = (await store.AppendAsync(stream, "order", ExpectedVersion.NoStream, events)).VersionOf(stream);
        var measured = await MeasureAsync(store, options, 1, "append-one", async (_, counter, stop) =>
        {
            while (!stop.IsCancellationRequested)
            {
                version = (await store.AppendAsync(stream, "order", ExpectedVersion.Exactly(version), events)).VersionOf(stream);
                counter.Increment();
            }
        });
        await Console.Error.WriteLineAsync($"append-one: {measured.Count} events in {measured.Seconds:F1} s with 1 writer = {measured.Count / measured.Seconds:F0} events/s (stream at version {version})");
        var figures = new Dictionary<string, object>
        {
            ["append_one_stream_eps"] = Math.Round(Stats.Median(measured.Rates), 1),
            ["append_one_client_cpu_us"] = measured.Cpu.ClientMicroseconds,
            ["append_one_postgres_cpu_us"] = measured.Cpu.PostgresMicroseconds,
        };
        measured.AddYardstick(figures, 1, "ratio_one_stream");
        return figures;
    }

    private static async Task<Dictionary<string, object>> ReadFeedAsync(EventStore store, Options options)
    {
        var existing = await CountEventsAsync(store.DataSource);
        if (existing < options.MinEvents)
        {
            var loading = Stopwatch.StartNew();
            await BulkLoadAsync(store, options.MinEvents - existing);
            await Console.Error.WriteLineAsync($"read-feed: bulk-loaded {options.MinEvents - existing} events in {loading.Elapsed.TotalSeconds:F1} s");
        }
        // Steady state: hint bits set and statistics known, as on a feed that has been read before.
        await using (var vacuum = store.DataSource.CreateCommand("vacuum analyze es_events"))
        {
            await vacuum.ExecuteNonQueryAsync();
        }
        await using (var checkpoint = store.DataSource.CreateCommand("checkpoint"))
        {
            await checkpoint.ExecuteNonQueryAsync();
        }
        var total = await CountEventsAsync(store.DataSource);

        // Warm-up (JIT tiers, buffers): read the feed for the warm-up time, from the start again when at its end.
        var warming = Stopwatch.StartNew();
        var warm = FeedPosition.Start;
        while (warming.Elapsed.TotalSeconds < options.WarmupSeconds)
        {
            var page = await store.ReadFeedAsync(warm, options.Page);
            warm = page.Events.Count == 0 ? FeedPosition.Start : page.Next;
        }

        var cpu = ClientCpu.Start();
        var clock = Stopwatch.StartNew();
        long read = 0, checksum = 0;
        var after = FeedPosition.Start;
        while (true)
        {
            var page = await store.ReadFeedAsync(after, options.Page);
            if (page.Events.Count == 0) break;
            foreach (var recorded in page.Events)
            {
                if (recorded.Data is BenchEvents.OrderPlaced placed) checksum += placed.Lines.Length;
            }
            read += page.Events.Count;
            after = page.Next;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var used = cpu.Stop().PerOperation(read);
        await Console.Error.WriteLineAsync(used.ToString());
        var eps = read / seconds;
        await Console.Error.WriteLineAsync($"read-feed: {read} of {total} events in {seconds:F2} s, pages of {options.Page} = {eps:F0} events/s (checksum {checksum})");
        if (read != total) throw new InvalidOperationException($"The feed delivered {read} events, the table holds {total}.");
        return new()
        {
            ["read_feed_eps"] = Math.Round(eps, 1),
            ["read_feed_events"] = read,
            ["read_feed_client_cpu_us"] = used.ClientMicroseconds,
            ["read_feed_postgres_cpu_us"] = used.PostgresMicroseconds,
        };
    }

    private static async Task BulkLoadAsync(EventStore store, long events)
    {
        const int perAppend = 1000;
        var run = Guid.NewGuid().ToString("N")[..8];
        var batch = Enumerable.Repeat<object>(BenchEvents.Sample(), perAppend).ToList();
        long next = -1;
        var appends = (events + perAppend - 1) / perAppend;
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < appends)
                await store.AppendAsync($"bulk-{run}-{i}", "order", ExpectedVersion.NoStream, batch);
        })));
    }

    private static async Task<long> CountEventsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("select count(*) from es_events");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Runs <paramref name="writers"/> loops for the warm-up, then for one slice in each round,
    /// counting what completed in the slices; with --pgbench, pgbench runs as many clients after
    /// each slice, the loops stopped. This machine's flush latency drifts from one minute to the next
    /// (the same binary alone made 1,471 to 2,574 lone appends a second within three minutes): short
    /// slices taking turns see the same drift, and the median of their ratios sets it aside.
    /// </summary>
    private static async Task<Measured> MeasureAsync(EventStore store, Options options, int writers, string phase, Func<int, Counter, CancellationToken, Task> loop)
    {
        var counters = Enumerable.Range(0, writers).Select(_ => new Counter()).ToArray();
        await SliceAsync(options.WarmupSeconds);
        var database = new NpgsqlConnectionStringBuilder(store.DataSource.ConnectionString).Database!;
        var rates = new List<double>();
        var yardsticks = new List<Pgbench.Slice>();
        var (count, seconds, cpu) = (0L, 0.0, new CpuWindow(0, 0, 0));
        for (var round = 1; round <= options.Rounds; round++)
        {
            var slice = await SliceAsync(options.DurationSeconds);
            (count, seconds, cpu) = (count + slice.Count, seconds + slice.Seconds, cpu + slice.Cpu);
            rates.Add(slice.Count / slice.Seconds);
            var line = string.Create(CultureInfo.InvariantCulture, $"round {round}: {phase} {slice.Count / slice.Seconds:F0} events/s");
            if (options.Pgbench is { } script)
            {
                var yardstick = await Pgbench.RunAsync(script, database, writers, (int)options.DurationSeconds, ClientCpu.Postmaster);
                yardsticks.Add(yardstick);
                line += string.Create(CultureInfo.InvariantCulture, $", pgbench c{writers} {yardstick.Tps:F0} tps: ratio {rates[^1] / yardstick.Tps:F3}");
            }
            await Console.Error.WriteLineAsync(line);
        }
        var used = cpu.PerOperation(count);
        await Console.Error.WriteLineAsync(used.ToString());
        return new Measured(count, seconds, used, [.. rates], [.. yardsticks]);

        async Task<(long Count, double Seconds, CpuWindow Cpu)> SliceAsync(double duration)
        {
            using var stop = new CancellationTokenSource();
            var start = counters.Sum(c => c.Value);
            var window = ClientCpu.Start();
            var tasks = counters.Select((counter, w) => Task.Run(() => loop(w, counter, stop.Token))).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(duration));
            var done = counters.Sum(c => c.Value) - start;
            var used = window.Stop();
            await stop.CancelAsync();
            await Task.WhenAll(tasks);
            return (done, used.Seconds, used);
        }
    }

    /// <summary>What a phase's slices did, and pgbench's slices after them when it ran.</summary>
    private sealed record Measured(long Count, double Seconds, CpuUse Cpu, double[] Rates, Pgbench.Slice[] Yardsticks)
    {
        /// <summary>pgbench's median rate, its PostgreSQL CPU per transaction, and the median of the rounds' ratios.</summary>
        public void AddYardstick(Dictionary<string, object> figures, int clients, string ratio)
        {
            if (Yardsticks.Length == 0) return;
            var ratios = Rates.Zip(Yardsticks, (rate, slice) => rate / slice.Tps).ToArray();
            figures[$"pgbench_tps_c{clients}"] = Math.Round(Stats.Median(Yardsticks.Select(slice => slice.Tps)), 1);
            figures[$"pgbench_c{clients}_postgres_cpu_us"] = Math.Round(1e6 * Yardsticks.Sum(s => s.PostgresCpuSeconds) / Yardsticks.Sum(s => s.Transactions), 1);
            figures[ratio] = Math.Round(Stats.Median(ratios), 3);
            figures[$"{ratio}_rounds"] = ratios.Select(r => Math.Round(r, 3)).ToArray();
        }
    }

    /// <summary>
    /// CPU time over a window of this process and of the local PostgreSQL processes (read from
    /// /proc; all databases of the cluster count), to tell who takes the 2 cores.
    /// </summary>
    private sealed class ClientCpu
    {
        private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
        private readonly Dictionary<int, double> _server = ProcessCpu.PostgresSnapshot(Postmaster);
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        /// <summary>The cluster whose processes count (other clusters on the machine do not).</summary>
        public static int Postmaster { get; set; }

        public static ClientCpu Start() => new();

        public CpuWindow Stop() => new(
            _clock.Elapsed.TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds,
            ProcessCpu.PostgresSecondsBetween(_server, ProcessCpu.PostgresSnapshot(Postmaster)));
    }

    /// <summary>Seconds of a window, and CPU seconds of this process and of PostgreSQL in it.</summary>
    private sealed record CpuWindow(double Seconds, double Client, double Server)
    {
        public static CpuWindow operator +(CpuWindow a, CpuWindow b) => new(a.Seconds + b.Seconds, a.Client + b.Client, a.Server + b.Server);

        public CpuUse PerOperation(long operations)
        {
            operations = Math.Max(operations, 1);
            return new CpuUse(100 * Client / Seconds, 100 * Server / Seconds, Math.Round(1e6 * Client / operations, 1), Math.Round(1e6 * Server / operations, 1));
        }
    }

    /// <summary>CPU use over a window: percent of one core, and microseconds per operation.</summary>
    private sealed record CpuUse(double ClientPercent, double PostgresPercent, double ClientMicroseconds, double PostgresMicroseconds)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"CPU: client {ClientPercent:F0}%, postgres {PostgresPercent:F0}% of one core; per operation client {ClientMicroseconds:F0} us, postgres {PostgresMicroseconds:F0} us");
    }

    private sealed class Counter
    {
        private long _value;
        public long Value => Volatile.Read(ref _value);
        public void Increment() => Volatile.Write(ref _value, _value + 1); // one writer per counter
    }

    private sealed record Options(double DurationSeconds, double WarmupSeconds, int Writers, long MinEvents, int Page, int Rounds, string? Pgbench)
    {
        public static Options Parse(ReadOnlySpan<string> args)
        {
            var options = new Options(10, 2, 8, 200_000, 1000, 1, null);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                var value = args[i + 1];
                options = args[i] switch
                {
                    "--duration" => options with { DurationSeconds = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--warmup" => options with { WarmupSeconds = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--writers" => options with { Writers = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--min-events" => options with { MinEvents = long.Parse(value, CultureInfo.InvariantCulture) },
                    "--page" => options with { Page = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--rounds" => options with { Rounds = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--pgbench" => options with { Pgbench = value },
                    _ => throw new ArgumentException($"unknown option {args[i]}"),
                };
            }
            if (options.Rounds < 1) throw new ArgumentException("--rounds must be at least 1");
            // pgbench takes whole seconds (-T), and its CPU window needs room inside them.
            if (options.Pgbench is not null && (options.DurationSeconds < 2 || options.DurationSeconds % 1 != 0))
                throw new ArgumentException("with --pgbench, --duration must be a whole number of seconds, at least 2");
            // pgbench at 1 client is the lone writer's yardstick: the new-streams phase would overwrite its figures.
            if (options.Pgbench is not null && options.Writers < 2) throw new ArgumentException("with --pgbench, --writers must be at least 2");
            return options;
        }
    }
}

public static class BenchEvents
{
    public sealed record OrderLine(string Sku, int Quantity, decimal Price);

    public sealed record OrderPlaced(Guid OrderId, string Customer, OrderLine[] Lines, string Note);

    public static EventTypeRegistry Registry() =>
        new EventTypeRegistry(new JsonSerializerOptions(JsonSerializerDefaults.Web)).Register<OrderPlaced>("order-placed");

    /// <summary>About 300 bytes of JSON, like pgbench's payload.</summary>
    public static OrderPlaced Sample() => new(
        Guid.Parse("3f2b8c1e-9d4a-4b6e-8f0a-1c2d3e4f5a6b"),
        "customer-000123",
        [.. Enumerable.Range(0, 4).Select(i => new OrderLine($"SKU-{i:D4}", i + 1, 19.99m))],
        new string('x', 20));
}
