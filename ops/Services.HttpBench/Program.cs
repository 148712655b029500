using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Subscriptions;
using Services.BenchKit;
using Services.EventStore;

namespace Services.HttpBench;

using EventStore = Services.EventStore.EventStore;

/// <summary>
/// HTTP benchmark of the API (ops/bench.sh http), against an API process already started on an
/// empty database (the operator key in BENCH_OPERATOR_KEY):
///   1. generate  a marketplace history (≥ --events events) through the event store, while the
///                API's projection daemon follows it; lanes of offers, slots and subscriptions kept
///                for the load (one per booking client), and one hot offer with one slot of --hot-capacity seats;
///   2. keys      one API key per company of the load, issued by the operator over HTTP;
///   3. catch-up  GET /v1/admin/projections until no shard is behind;
///   4. book      POST /v1/bookings, closed loop at 8 then 32 clients, each client on its own lane
///                (its offer's slots in turn, its subscriptions in turn, each with its company's key);
///                with --pgbench, then --rounds slices of bookings at 8 clients, each followed by one
///                of pgbench's insert (the script given), for the ratio of the two over the same minutes;
///   5. storm     --hot-requests clients, connected beforehand, book the hot slot at the same instant;
///                confirmed seats counted from the answers and from GET availability (read-your-writes);
///   6. read      GET /v1/offers/{id}/availability on random offers of the history, 8 clients.
/// Every measured window reports CPU per request of the API process and of PostgreSQL, database
/// transactions per request and wait events (see <see cref="Probe"/>). Progress goes to stderr;
/// the last stdout line is a JSON object with the figures.
/// </summary>
public static class Program
{
    private const int Lanes = 32, SlotsPerLane = 50, SubscriptionsPerLane = 8, LaneCapacity = 1000, HotSubscriptions = 32;

    public static async Task<int> Main(string[] args)
    {
        var registry = new EventTypeRegistry(Json.ForEvents()).RegisterDomainEvents();
        if (args is ["payload"])
        {
            // pgbench's equivalent insert carries the JSON of a booking's main event.
            Console.WriteLine(JsonSerializer.Serialize(SamplePayload(), registry.SerializerOptions));
            return 0;
        }
        if (args.Length < 1 || Environment.GetEnvironmentVariable("BENCH_OPERATOR_KEY") is not { Length: > 0 } operatorKey)
        {
            await Console.Error.WriteLineAsync("usage: BENCH_OPERATOR_KEY=… Services.HttpBench <connection-string> --api URL --api-pid PID [--events n] [--gen-writers n] [--warmup s] [--duration s] [--hot-requests n] [--hot-capacity n] [--catchup-timeout s] [--pgbench script --rounds n --slice s]");
            await Console.Error.WriteLineAsync("       Services.HttpBench payload");
            return 2;
        }
        var options = Options.Parse(args.AsSpan(1));
        var figures = new Dictionary<string, object?>();
        var total = Stopwatch.StartNew();
        var api = new Api(options.Api, operatorKey);
        await api.WaitReadyAsync(TimeSpan.FromSeconds(120));

        await using var db = EventStoreDataSource.Create(args[0], "http-bench");
        await using var store = new EventStore(db, registry);
        var statements = await Probe.StatementsAvailableAsync(db);
        Stats.Log(statements ? "pg_stat_statements: on (statements per request reported)" : "pg_stat_statements: not loaded in this cluster (skipped)");

        // 1. History, written while the API's daemon already follows the feed.
        var world = World.Create(new WorldShape(options.Events, options.GenWriters, Lanes, SlotsPerLane, SubscriptionsPerLane, LaneCapacity, Subscription.MaxMonthlyQuota,
            options.HotCapacity, HotSubscriptions));
        var gen = await Generator.RunAsync(store, world, options.GenWriters);
        var events = await ScalarAsync<long>(db, "select count(*) from es_events");
        Stats.Log($"generate: {events:N0} events in {gen.Seconds:F1} s ({events / gen.Seconds:N0} events/s); {gen.Cpu}");
        figures["events"] = events;
        figures["generate_s"] = Math.Round(gen.Seconds, 1);

        // 2. Keys for every company that books.
        var hot = world.HotOffer!;
        var clock = Stopwatch.StartNew();
        var keys = await api.IssueKeysAsync(world.LoadOffers.Append(hot).SelectMany(o => o.Subscriptions).Select(s => s.CompanyId));
        Stats.Log($"keys: {keys.Count} company keys issued in {clock.Elapsed.TotalSeconds:F1} s");

        // 3. Read models caught up with the whole history.
        var catchUp = await api.WaitForProjectionsAsync(TimeSpan.FromSeconds(options.CatchUpTimeoutSeconds));
        Stats.Log($"catch-up: every projection at the head {catchUp:F1} s after the history was written");
        figures["catchup_s"] = Math.Round(catchUp, 1);
        // A steady state rather than the bulk load's aftermath: autovacuum would otherwise scan the
        // fresh million rows during the measured windows and bill its CPU to the bookings.
        clock.Restart();
        await using (var vacuum = db.CreateCommand("vacuum (analyze)")) { vacuum.CommandTimeout = 0; await vacuum.ExecuteNonQueryAsync(); }
        Stats.Log($"vacuum (analyze): {clock.Elapsed.TotalSeconds:F1} s");

        // 4. Bookings over many slots.
        long bookingServerErrors = 0;
        foreach (var clients in Options.BookingClients)
        {
            await CheckpointAsync(db);
            Stats.Log($"book c{clients}: {options.WarmupSeconds} s warm-up + {options.DurationSeconds} s, {clients} clients on {clients} lanes of {SlotsPerLane} slots and {SubscriptionsPerLane} subscriptions");
            var result = await Load.ClosedLoopAsync(api, clients, (k, n) => BookingRequest(world.LoadOffers[k % Lanes], keys, k, n),
                HttpStatusCode.Created, options, db, $"book_c{clients}", statements);
            Stats.Log($"book c{clients}: {result.Rate:F0} bookings/s, p50 {result.P50:F1} ms, p99 {result.P99:F1} ms; answers {result.Statuses}");
            figures[$"book_rps_c{clients}"] = Math.Round(result.Rate, 1);
            figures[$"book_p50_ms_c{clients}"] = Math.Round(result.P50, 2);
            figures[$"book_p99_ms_c{clients}"] = Math.Round(result.P99, 2);
            figures[$"book_other_non201_c{clients}"] = result.OtherErrors;
            foreach (var (name, value) in result.Server) figures[name] = value;
            bookingServerErrors += result.ServerErrors;
        }
        if (options.PgbenchScript is { } script && options.Rounds > 0)
        {
            await CheckpointAsync(db);
            var rounds = await AlternateWithPgbenchAsync(api, world, keys, options, script, db, args[0]);
            bookingServerErrors += rounds.ServerErrors;
            foreach (var (name, value) in rounds.Figures) figures[name] = value;
        }
        figures["book_5xx"] = bookingServerErrors;

        // 5. The hot-slot storm.
        var hotSlot = hot.Slots[0];
        await CheckpointAsync(db);
        Stats.Log($"storm: {options.HotRequests} simultaneous bookings of slot {hotSlot.Id} ({hotSlot.Capacity} seats) from {hot.Subscriptions.Count} companies");
        var storm = await Load.StormAsync(api, Enumerable.Range(0, options.HotRequests)
            .Select(i => BookingRequest(hot, keys, 0, i)).ToList(), db, options.ApiPid, statements);
        foreach (var (name, value) in storm.Server) figures[name] = value;
        var reserved = await ReservedAsync(api, hot.Id, hotSlot.Id, keys[hot.Subscriptions[0].CompanyId], storm.LastPosition);
        var confirmed = Math.Max(storm.Confirmed, reserved);
        Stats.Log($"storm: all answered in {storm.Seconds:F2} s (p99 {storm.P99:F0} ms); {storm.Confirmed} confirmed and {storm.Waitlisted} waitlisted in the answers, {reserved} seats reserved in GET availability");
        figures["hotslot_seconds"] = Math.Round(storm.Seconds, 2);
        figures["hotslot_confirmed"] = storm.Confirmed;
        figures["hotslot_reserved_read"] = reserved;
        figures["hotslot_waitlisted"] = storm.Waitlisted;
        figures["hotslot_overbooked"] = Math.Max(0, confirmed - hotSlot.Capacity);
        figures["hotslot_5xx"] = storm.ServerErrors;
        figures["hotslot_other_non201"] = storm.OtherErrors;

        // 6. Availability reads on the history's offers.
        var readKey = keys.Values.First();
        await CheckpointAsync(db);
        var history = world.Offers.Except(world.LoadOffers).Where(o => o != hot).ToArray();
        Stats.Log($"read: {options.WarmupSeconds} s warm-up + {options.DurationSeconds} s, {Options.ReadClients} clients, GET availability of {history.Length} offers at random");
        var read = await Load.ClosedLoopAsync(api, Options.ReadClients,
            (_, _) => Api.Request(HttpMethod.Get, $"/v1/offers/{history[Random.Shared.Next(history.Length)].Id}/availability", readKey),
            HttpStatusCode.OK, options, db, "read", statements);
        Stats.Log($"read: {read.Rate:F0} reads/s, p50 {read.P50:F2} ms, p99 {read.P99:F2} ms; answers {read.Statuses}");
        figures["read_rps"] = Math.Round(read.Rate, 1);
        figures["read_p50_ms"] = Math.Round(read.P50, 2);
        figures["read_p99_ms"] = Math.Round(read.P99, 2);
        figures["read_errors"] = read.ServerErrors + read.OtherErrors;
        foreach (var (name, value) in read.Server) figures[name] = value;

        figures["duration_s"] = options.DurationSeconds;
        figures["total_s"] = Math.Round(total.Elapsed.TotalSeconds);
        Console.WriteLine(JsonSerializer.Serialize(figures));
        return 0;
    }

    /// <summary>
    /// Slices of bookings at 8 clients, each followed by as long a slice of pgbench's insert at 8
    /// clients: both see the same minutes of this noisy machine, so the median of the rounds' ratios
    /// moves less than one booking window against one pgbench run minutes later (ratio_book).
    /// </summary>
    private static async Task<(Dictionary<string, object?> Figures, long ServerErrors)> AlternateWithPgbenchAsync(
        Api api, World world, Dictionary<string, string> keys, Options options, string script, Npgsql.NpgsqlDataSource db, string connectionString)
    {
        const int clients = 8;
        var postmaster = await ProcessCpu.PostmasterAsync(db);
        var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!;
        var slice = options with { WarmupSeconds = 1, DurationSeconds = options.SliceSeconds };
        Stats.Log($"rounds: {options.Rounds} × ({options.SliceSeconds} s of bookings, then {options.SliceSeconds} s of pgbench), {clients} clients each");
        var rates = new List<double>();
        var yardsticks = new List<double>();
        long serverErrors = 0, otherErrors = 0;
        for (var round = 1; round <= options.Rounds; round++)
        {
            var bookings = await Load.ClosedLoopAsync(api, clients, (k, n) => BookingRequest(world.LoadOffers[k % Lanes], keys, k, n),
                HttpStatusCode.Created, slice, db, $"round{round}", statements: false);
            var pgbench = await Pgbench.RunAsync(script, database, clients, options.SliceSeconds, postmaster);
            Stats.Log($"round {round}: {bookings.Rate:F0} bookings/s, pgbench {pgbench.Tps:F0} tps, ratio {bookings.Rate / pgbench.Tps:F3}");
            rates.Add(bookings.Rate);
            yardsticks.Add(pgbench.Tps);
            serverErrors += bookings.ServerErrors;
            otherErrors += bookings.OtherErrors;
        }
        return (new Dictionary<string, object?>
        {
            ["book_rps_c8_rounds"] = Math.Round(Stats.Median(rates), 1),
            ["pgbench_tps_c8_rounds"] = Math.Round(Stats.Median(yardsticks), 1),
            ["ratio_book_rounds"] = Math.Round(Stats.Median(rates.Zip(yardsticks, (rate, tps) => rate / tps)), 3),
            ["book_other_non201_rounds"] = otherErrors,
            ["rounds"] = options.Rounds,
            ["slice_s"] = options.SliceSeconds,
        }, serverErrors);
    }

    /// <summary>Bookings asked for so far in this run: each is for a beneficiary of its own, as a slot holds one live booking per beneficiary (phases reuse clients' numbers on the same slots).</summary>
    private static long _beneficiaries;

    /// <summary>The n-th booking of a lane's client: its slots in turn, its subscriptions in turn.</summary>
    private static HttpRequestMessage BookingRequest(OfferInfo lane, Dictionary<string, string> keys, int client, long n)
    {
        var slot = lane.Slots[(int)(n % lane.Slots.Count)];
        var booker = lane.Subscriptions[(int)(n % lane.Subscriptions.Count)];
        var body = $$"""{"subscriptionId":"{{booker.Id}}","slotId":"{{slot.Id}}","quantity":1,"beneficiaryRef":"hr-{{client}}-{{Interlocked.Increment(ref _beneficiaries)}}"}""";
        return Api.Request(HttpMethod.Post, "/v1/bookings", keys[booker.CompanyId], body);
    }

    /// <summary>
    /// Every measured phase starts from a checkpoint, as pgbench's does (bench.sh). Otherwise the
    /// checkpoint that the history's and the vacuum's WAL call for begins inside a window, and its
    /// full-page images (the first change of each page after a checkpoint logs the whole page)
    /// and writes are billed to that phase alone: at 1M events, 1.4 full pages and 17 kB of WAL
    /// per booking then, against 0.5 and 12 kB from a checkpoint (ops/PERFORMANCE.md).
    /// </summary>
    private static async Task CheckpointAsync(Npgsql.NpgsqlDataSource db)
    {
        await using var checkpoint = db.CreateCommand("checkpoint");
        checkpoint.CommandTimeout = 0;
        await checkpoint.ExecuteNonQueryAsync();
    }

    /// <summary>Seats reserved on the slot in the availability read model, once it includes <paramref name="position"/>.</summary>
    private static async Task<int> ReservedAsync(Api api, string offerId, string slotId, string key, string? position)
    {
        using var client = await api.ConnectAsync(TimeSpan.FromSeconds(30));
        var query = position is null ? "" : $"?minPosition={Uri.EscapeDataString(position)}";
        using var request = Api.Request(HttpMethod.Get, $"/v1/offers/{offerId}/availability{query}", key);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET availability after the storm: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("data").EnumerateArray().Where(s => s.GetProperty("id").GetString() == slotId).Sum(s => s.GetProperty("reserved").GetInt32());
    }

    private static BookingRequested SamplePayload() => new(
        Ids.New(Ids.Booking), Ids.New(Ids.Organization), Ids.New(Ids.Subscription), Ids.New(Ids.Offer), Ids.New(Ids.Slot),
        DateTimeOffset.UtcNow.AddDays(3), 1, "hr-000123", DateTimeOffset.UtcNow);

    private static async Task<T> ScalarAsync<T>(Npgsql.NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
