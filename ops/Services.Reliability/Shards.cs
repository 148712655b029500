using System.Net.Http.Headers;
using System.Net.Http.Json;
using Services.Client;

namespace Services.Reliability;

/// <summary>A projection shard as GET /v1/admin/projections shows it.</summary>
internal sealed record ShardView(string Name, string Position, long LagEvents, string? Owner, string State);

/// <summary>The operator's view of the projection shards (GET /v1/admin/projections) and their rebuild.</summary>
internal sealed class Shards(string operatorKey)
{
    /// <summary>Its rebuild would send webhooks again (the outbox is never truncated): left alone.</summary>
    public const string WebhookOutbox = "webhook-outbox";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<IReadOnlyList<ShardView>> ListAsync(Uri node)
    {
        using var request = Request(HttpMethod.Get, node, "v1/admin/projections");
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<ShardView>>(ServicesClient.JsonOptions))!;
    }

    /// <summary>Waits until every shard runs and has applied every committed event.</summary>
    public Task WaitCaughtUpAsync(Uri node, TimeSpan timeout) =>
        Progress.WaitUntilAsync(async () => (await ListAsync(node)).All(s => s.State == "running" && s.LagEvents == 0),
            timeout, TimeSpan.FromMilliseconds(100), "every projection shard to catch up");

    /// <summary>Rebuilds every read model but the webhook outbox, and waits until they caught up again.</summary>
    public async Task RebuildAllAsync(Uri node, TimeSpan timeout)
    {
        foreach (var shard in (await ListAsync(node)).Where(s => s.Name != WebhookOutbox))
        {
            using var request = Request(HttpMethod.Post, node, $"v1/admin/projections/{shard.Name}/rebuild");
            using var response = await Http.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }
        await WaitCaughtUpAsync(node, timeout);
    }

    private HttpRequestMessage Request(HttpMethod method, Uri node, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(node, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorKey);
        return request;
    }
}
