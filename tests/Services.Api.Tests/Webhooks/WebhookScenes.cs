using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;

namespace Services.Api.Tests.Webhooks;

/// <summary>
/// What the webhook test classes build their scenes from: the API with a hand-set clock and its delivery
/// worker, loopback receivers, and companies whose bookings queue deliveries.
/// </summary>
internal static class WebhookScenes
{
    /// <summary>
    /// The API on the fixture's database with loopback HTTP allowed, a clock set by hand and the periodic
    /// worker out of the way (the fixture's own worker is stopped too): the test calls RunOnceAsync.
    /// </summary>
    public static Task<(ClockedApi Api, WebhookDeliveryWorker Worker)> ClockedAsync(this ApiFixture api, FakeClock clock, params (string Key, string Value)[] settings) =>
        api.ClockedAsync(clock, _ => { }, settings);

    /// <param name="services">Changes to the variant's services (a handler in the deliveries' HttpClient).</param>
    public static async Task<(ClockedApi Api, WebhookDeliveryWorker Worker)> ClockedAsync(this ApiFixture api, FakeClock clock, Action<IServiceCollection> services, params (string Key, string Value)[] settings)
    {
        await api.Service<WebhookDeliveryWorker>().StopAsync(CancellationToken.None);
        var clocked = api.WithClock(clock, services, [("Webhooks:AllowHttpLoopback", "true"), ("Webhooks:PollIntervalSeconds", "86400"), .. settings]);
        return (clocked, clocked.Service<WebhookDeliveryWorker>());
    }

    public static async Task<CreatedWebhookResponse> CreateAsync(HttpClient client, string url, params string[] eventTypes)
    {
        var created = await client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest(url, eventTypes, "tests"), ApiFixture.JsonOptions);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!;
    }

    public static async Task<IReadOnlyList<WebhookDeliveryResponse>> DeliveriesAsync(HttpClient client, string webhookId) =>
        (await client.ListAsync<WebhookDeliveryResponse>($"/v1/webhooks/{webhookId}/deliveries?limit=100")).Data;

    /// <summary>Runs the worker, moving the clock a day on each round, until nothing is pending (bounded).</summary>
    public static async Task DrainAsync(ClockedApi clocked, WebhookDeliveryWorker worker, HttpClient client, string webhookId)
    {
        for (var round = 0; round < 15; round++)
        {
            await worker.RunOnceAsync(CancellationToken.None);
            if ((await DeliveriesAsync(client, webhookId)).All(d => d.Status != WebhookDeliveryStatus.Pending)) return;
            clocked.Clock.Advance(TimeSpan.FromDays(1));
        }
        throw new ShouldAssertException("deliveries still pending after 15 rounds");
    }

    /// <summary>A company's webhook for its bookings, and the deliveries three bookings queue.</summary>
    /// <param name="siblingUrl">Another webhook's URL for the same events, when given.</param>
    public static async Task<(Actor Company, CreatedWebhookResponse Webhook)> CompanyWithDeliveriesAsync(this ApiFixture api, ClockedApi clocked, string url, string? siblingUrl = null)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var webhook = await CreateAsync(clocked.ClientFor(company), url, "booking.*");
        if (siblingUrl is not null) await CreateAsync(clocked.ClientFor(company), siblingUrl, "booking.*");
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        for (var i = 0; i < 3; i++) await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        return (company, webhook);
    }

    /// <summary>
    /// Earlier tests of the same class (they share its database) leave webhooks that would see this test's
    /// events (one for every type gets the offers published in its territory) and deliveries due to receivers
    /// long gone: both end here, so that a run claims only this test's deliveries.
    /// </summary>
    public static async Task RetireEarlierWebhooksAsync(this ApiFixture api)
    {
        await api.ExecuteAsync("update webhooks set deleted_at = now() where deleted_at is null");
        await api.ExecuteAsync("update webhook_deliveries set status = 'failed', next_attempt_at = null where status = 'pending'");
    }

    /// <param name="onFirstRequest">Run by the receiver when the first delivery arrives, with its id.</param>
    public static async Task<DeliveryScene> DeliverySceneAsync(this ApiFixture api, Func<DeliveryScene, string, Task>? onFirstRequest = null)
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock);
        await api.RetireEarlierWebhooksAsync();
        DeliveryScene? scene = null;
        var receiver = await Receiver.StartAsync(clock, failFirst: 0, onFirstRequest is null ? null : deliveryId => onFirstRequest(scene!, deliveryId));
        var (company, webhook) = await api.CompanyWithDeliveriesAsync(clocked, receiver.Url);
        scene = new DeliveryScene(clocked, worker, receiver, company, webhook);
        return scene;
    }

    /// <summary>An Idempotency-Key whose answer <see cref="RetryAfterAnAnswerLostAsync"/> loses.</summary>
    public static string LostAnswerKey() => "lost-answer-" + Guid.NewGuid();

    /// <summary>
    /// Sends the request once with a crash between its commit and keeping its answer (keeping it fails, and only what the
    /// request committed is left), then retries it: the retry finds the key held (409 idempotency_key_in_progress), and once
    /// the key's minute is over, interrupted (409 idempotency_key_interrupted). Neither runs the change again.
    /// </summary>
    public static async Task RetryAfterAnAnswerLostAsync(this ApiFixture api, HttpClient client, Func<HttpRequestMessage> request, string key)
    {
        await api.ExecuteAsync("create function lose_answers() returns trigger language plpgsql as $$ begin raise exception 'stopped before keeping the answer'; end $$");
        await api.ExecuteAsync("""
            create trigger lose_answers before insert or update on idempotency_keys
            for each row when (new.key like 'lost-answer-%' and new.status is not null) execute function lose_answers()
            """);
        (await client.SendAsync(request())).IsSuccessStatusCode.ShouldBeFalse();
        await api.ExecuteAsync("drop trigger lose_answers on idempotency_keys");
        await api.ExecuteAsync("drop function lose_answers");

        await (await client.SendAsync(request())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_progress");
        await api.ExecuteAsync("update idempotency_keys set created_at = created_at - interval '61 seconds' where key = $1", key);
        await (await client.SendAsync(request())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_key_interrupted");
    }

    public static HttpRequestMessage IfMatch(HttpMethod method, string path, string etag)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return request;
    }
}

/// <summary>A clocked API and its worker, a loopback receiver, and a company's webhook with three bookings' deliveries queued.</summary>
internal sealed class DeliveryScene(ClockedApi clocked, WebhookDeliveryWorker worker, Receiver receiver, Actor company, CreatedWebhookResponse webhook) : IAsyncDisposable
{
    public FakeClock Clock => clocked.Clock;
    public Actor Company => company;
    public WebhookDeliveryWorker Worker => worker;
    public Receiver Receiver => receiver;
    public CreatedWebhookResponse Webhook => webhook;
    public HttpClient Client { get; } = clocked.ClientFor(company);

    public Task<HttpResponseMessage> RedeliverAsync(string deliveryId) => Client.PostAsync($"/v1/webhooks/{webhook.Id}/deliveries/{deliveryId}/redeliver", null);

    public async ValueTask DisposeAsync()
    {
        await receiver.DisposeAsync();
        await clocked.DisposeAsync();
    }
}

/// <summary>
/// A loopback HTTP receiver (Kestrel on 127.0.0.1:0) that answers 500 to its first <c>failFirst</c>
/// requests, after running <c>onFirstRequest</c> (if any, given the delivery id) when the first one arrives.
/// </summary>
internal sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failuresLeft;

    public sealed record Received(string? Signature, string? EventId, string? DeliveryId, string Body, DateTimeOffset At, int Answered);

    public ConcurrentQueue<Received> Requests { get; } = new();

    private readonly Func<string, Task>? _onFirstRequest;

    private Receiver(WebApplication app, int failFirst, Func<string, Task>? onFirstRequest)
    {
        _app = app;
        _failuresLeft = failFirst;
        _onFirstRequest = onFirstRequest;
    }

    public string Url => _app.Urls.Single() + "/hook";

    public static async Task<Receiver> StartAsync(TimeProvider clock, int failFirst, Func<string, Task>? onFirstRequest = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new Receiver(app, failFirst, onFirstRequest);
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            if (receiver.Requests.IsEmpty && receiver._onFirstRequest is { } first) await first(request.Headers[WebhookDeliveryWorker.DeliveryIdHeader].ToString());
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var status = Interlocked.Decrement(ref receiver._failuresLeft) >= 0 ? 500 : 204;
            receiver.Requests.Enqueue(new Received(request.Headers[WebhookSignature.Header], request.Headers[WebhookDeliveryWorker.EventIdHeader],
                request.Headers[WebhookDeliveryWorker.DeliveryIdHeader], body, clock.GetUtcNow(), status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
