using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using Services.BenchKit;
using Services.EventStore;

namespace Services.HttpBench;

/// <summary>One request of a closed loop: client number, its n-th request → the request to send.</summary>
internal delegate HttpRequestMessage NextRequest(int client, long n);

internal sealed record PhaseResult(long Count, double Rate, double P50, double P99, long ServerErrors, long OtherErrors, string Statuses, Dictionary<string, object> Server);

/// <summary>
/// How the requests at or above the p99 came: as stalls that hold up every client at once (a pause
/// of the API process, a disk flush, a lock) or one by one (queueing on busy cores). Overlapping
/// slow requests form an episode; what tells a stall is how many of them were in flight at the
/// same instant (its peak), since a chain of overlapping requests can also grow from queueing.
/// Only answered requests count: a stall that ends in timeouts is in the phase's error counts.
/// </summary>
internal sealed record SlowRequests(int Count, int Clients, int Episodes, int Stalls, int Peak, int PeakCount, double PeakMs)
{
    /// <param name="requests">Start and latency (ms) of every measured request.</param>
    public static SlowRequests Of(IReadOnlyList<(double Start, double Latency)> requests, double p99, int clients)
    {
        var slow = requests.Where(r => r.Latency >= p99).OrderBy(r => r.Start).ToList();
        var episodes = new List<List<(double Start, double Latency)>>();
        var end = double.MinValue;
        foreach (var request in slow)
        {
            if (episodes.Count == 0 || request.Start > end) episodes.Add([]);
            episodes[^1].Add(request);
            end = Math.Max(end, request.Start + request.Latency);
        }
        var peaks = episodes.Select(e => (Requests: e, Peak: PeakInFlight(e))).ToList();
        var top = peaks.MaxBy(e => e.Peak);
        return new SlowRequests(slow.Count, clients, episodes.Count,
            peaks.Count(e => 2 * e.Peak >= clients),
            top.Peak, top.Requests?.Count ?? 0,
            top.Requests is null ? 0 : Math.Round(top.Requests.Max(r => r.Start + r.Latency) - top.Requests[0].Start, 1));
    }

    /// <summary>The most requests in flight at one instant (a sweep over starts and ends; an end before a start at the same instant).</summary>
    private static int PeakInFlight(IEnumerable<(double Start, double Latency)> requests)
    {
        var (inFlight, peak) = (0, 0);
        foreach (var (_, change) in requests.SelectMany(r => new[] { (r.Start, 1), (r.Start + r.Latency, -1) }).OrderBy(e => e.Item1).ThenBy(e => e.Item2))
            peak = Math.Max(peak, inFlight += change);
        return peak;
    }

    public override string ToString() =>
        $"{Count} requests at or above the p99 in {Episodes} episodes of overlapping requests; in {Stalls} of them at least half of the {Clients} clients were slow at one instant (most: {Peak} at once, in an episode of {PeakCount} requests over {PeakMs:F0} ms)";
}

internal static class Load
{
    /// <summary>
    /// <paramref name="clients"/> clients, each on its own connection, send requests back to back
    /// for warm-up + duration. Requests that start and end inside the measured window give the rate
    /// and the latencies; answers are counted by status over the whole phase (warm-up included).
    /// The slow requests are logged as <see cref="SlowRequests"/>.
    /// </summary>
    public static async Task<PhaseResult> ClosedLoopAsync(
        Api api, int clients, NextRequest next, HttpStatusCode expected, Options options, NpgsqlDataSource db, string prefix, bool statements)
    {
        var connections = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => api.ConnectAsync(TimeSpan.FromSeconds(30))));
        var warmup = TimeSpan.FromSeconds(options.WarmupSeconds);
        var end = warmup + TimeSpan.FromSeconds(options.DurationSeconds);
        var latencies = new List<(double Start, double Latency)>[clients];
        var statuses = new Dictionary<int, long>[clients];
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, clients).Select(k => Task.Run(async () =>
        {
            var mine = latencies[k] = [];
            var counts = statuses[k] = [];
            for (long n = 0; ; n++)
            {
                var start = clock.Elapsed;
                if (start >= end) break;
                int status;
                using var request = next(k, n);
                try
                {
                    using var response = await connections[k].SendAsync(request);
                    await response.Content.LoadIntoBufferAsync();
                    status = (int)response.StatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    status = 0; // no answer (connection error or timeout)
                }
                var done = clock.Elapsed;
                counts[status] = counts.GetValueOrDefault(status) + 1;
                if (status == (int)expected && start >= warmup && done <= end) mine.Add((start.TotalMilliseconds, (done - start).TotalMilliseconds));
            }
        })).ToArray();

        await Task.Delay(warmup);
        Dictionary<string, object> server;
        await using (var probe = await Probe.StartAsync(db, options.ApiPid, statements))
        {
            await Task.Delay(end - warmup);
            server = await probe.StopAsync(prefix, latencies.Sum(l => l?.Count ?? 0));
        }
        await Task.WhenAll(loops);
        foreach (var connection in connections) connection.Dispose();

        var all = latencies.SelectMany(l => l).Select(r => r.Latency).Order().ToArray();
        var p99 = Stats.Percentile(all, 0.99);
        Stats.Log($"  {prefix}: {SlowRequests.Of(latencies.SelectMany(l => l).ToList(), p99, clients)}");
        var byStatus = statuses.SelectMany(s => s).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
        return new PhaseResult(all.Length, all.Length / options.DurationSeconds, Stats.Percentile(all, 0.5), p99,
            byStatus.Where(s => s.Key >= 500).Sum(s => s.Value),
            byStatus.Where(s => s.Key != (int)expected && s.Key < 500).Sum(s => s.Value),
            string.Join(", ", byStatus.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "no answer" : s.Key.ToString())}: {s.Value}")),
            server);
    }

    private static string? Latest(IEnumerable<string?> positions)
    {
        FeedPosition? latest = null;
        foreach (var text in positions)
        {
            if (FeedPosition.TryParse(text, out var position) && (latest is null || position > latest.Value)) latest = position;
        }
        return latest?.ToString();
    }

    public sealed record StormResult(double Seconds, int Confirmed, int Waitlisted, int ServerErrors, int OtherErrors, string? LastPosition, double P99, Dictionary<string, object> Server);

    /// <summary>
    /// <paramref name="requests"/> clients, connected beforehand, send one request each at the same
    /// instant; the time is from the release until the last answer.
    /// </summary>
    public static async Task<StormResult> StormAsync(Api api, IReadOnlyList<HttpRequestMessage> requests, NpgsqlDataSource db, int apiPid, bool statements)
    {
        var connections = new HttpClient[requests.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, requests.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => connections[i] = await api.ConnectAsync(TimeSpan.FromSeconds(600)));
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var answers = requests.Select((request, i) => Task.Run(async () =>
        {
            await go.Task;
            try
            {
                using var response = await connections[i].SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                var elapsed = clock.Elapsed.TotalMilliseconds;
                var status = response.StatusCode == HttpStatusCode.Created ? JsonDocument.Parse(body).RootElement.GetProperty("status").GetString() : null;
                var position = response.Headers.TryGetValues("Services-Position", out var values) ? values.First() : null;
                return ((int)response.StatusCode, status, position, elapsed);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return (0, (string?)null, (string?)null, clock.Elapsed.TotalMilliseconds);
            }
        })).ToArray();
        await Task.Delay(200); // let every sender reach the gate
        await using var probe = await Probe.StartAsync(db, apiPid, statements);
        clock.Start();
        go.SetResult();
        var results = await Task.WhenAll(answers);
        var seconds = clock.Elapsed.TotalSeconds;
        var server = await probe.StopAsync("hotslot", requests.Count);
        foreach (var connection in connections) connection.Dispose();
        foreach (var request in requests) request.Dispose();
        var statuses = results.GroupBy(r => r.Item1).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "no answer" : g.Key.ToString())}: {g.Count()}");
        Stats.Log($"  storm answers: {string.Join(", ", statuses)}");
        return new StormResult(seconds,
            results.Count(r => r.Item2 == "confirmed"),
            results.Count(r => r.Item2 == "waitlisted"),
            results.Count(r => r.Item1 >= 500),
            results.Count(r => r.Item1 != 201 && r.Item1 < 500),
            Latest(results.Select(r => r.Item3)),
            Stats.Percentile(results.Select(r => r.Item4).Order().ToArray(), 0.99),
            server);
    }
}
