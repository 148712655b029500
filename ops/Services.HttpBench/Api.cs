using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Services.BenchKit;

namespace Services.HttpBench;

/// <summary>The API under test, over loopback: clients, and the few calls that prepare a run.</summary>
internal sealed class Api(string baseAddress, string operatorKey)
{
    /// <summary>A client with a connection of its own, opened now (connecting is not what a phase measures).</summary>
    public async Task<HttpClient> ConnectAsync(TimeSpan timeout)
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        { BaseAddress = new Uri(baseAddress), Timeout = timeout };
        (await client.GetAsync("/health/live")).Dispose();
        return client;
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string key, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return request;
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (clock.Elapsed > timeout) throw new TimeoutException($"{baseAddress}/health/ready not green after {timeout.TotalSeconds:F0} s");
            await Task.Delay(200);
        }
    }

    /// <summary>One API key per organization, issued by the operator (8 at a time).</summary>
    public async Task<Dictionary<string, string>> IssueKeysAsync(IEnumerable<string> organizationIds)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 8, UseProxy = false };
        using var pooled = new HttpClient(handler) { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromSeconds(30) };
        await Parallel.ForEachAsync(organizationIds.Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
        {
            using var request = Request(HttpMethod.Post, $"/v1/organizations/{id}/api-keys", operatorKey, """{"label":"http bench"}""");
            using var response = await pooled.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"issuing a key for {id}: {(int)response.StatusCode} {body}");
            using var json = JsonDocument.Parse(body);
            lock (keys) keys[id] = json.RootElement.GetProperty("key").GetString()!;
        });
        return keys;
    }

    /// <summary>Polls GET /v1/admin/projections until every shard has no event left to apply.</summary>
    public async Task<double> WaitForProjectionsAsync(TimeSpan timeout)
    {
        using var client = await ConnectAsync(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        var reported = TimeSpan.Zero;
        while (true)
        {
            using var request = Request(HttpMethod.Get, "/v1/admin/projections", operatorKey);
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET /v1/admin/projections: {(int)response.StatusCode} {body}");
            using var json = JsonDocument.Parse(body);
            var shards = json.RootElement.EnumerateArray()
                .Select(s => (Name: s.GetProperty("name").GetString()!, Lag: s.GetProperty("lagEvents").GetInt64(), State: s.GetProperty("state").GetString()!))
                .ToList();
            if (shards.FirstOrDefault(s => s.State == "failed") is { Name: not null } failed)
                throw new InvalidOperationException($"projection {failed.Name} failed: {body}");
            if (shards.Count > 0 && shards.All(s => s.Lag == 0)) return clock.Elapsed.TotalSeconds;
            if (clock.Elapsed - reported >= TimeSpan.FromSeconds(10))
            {
                reported = clock.Elapsed;
                Stats.Log($"catch-up: {clock.Elapsed.TotalSeconds:F0} s, behind: {string.Join(", ", shards.Where(s => s.Lag > 0).Select(s => $"{s.Name} {s.Lag:N0}"))}");
            }
            if (clock.Elapsed > timeout) throw new TimeoutException($"projections not caught up after {timeout.TotalSeconds:F0} s: {body}");
            await Task.Delay(500);
        }
    }
}
