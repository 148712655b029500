using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Feed;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;
using Services.Testing;

namespace Services.Api.Tests.Webhooks;

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

public sealed class WebhooksHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    /// <summary>
    /// The API on the fixture's database with loopback HTTP allowed, a clock set by hand and the periodic
    /// worker out of the way (the fixture's own worker is stopped too): the test calls RunOnceAsync.
    /// </summary>
    private Task<(ClockedApi Api, WebhookDeliveryWorker Worker)> ClockedAsync(FakeClock clock, params (string Key, string Value)[] settings) =>
        ClockedAsync(clock, _ => { }, settings);

    /// <param name="services">Changes to the variant's services (a handler in the deliveries' HttpClient).</param>
    private async Task<(ClockedApi Api, WebhookDeliveryWorker Worker)> ClockedAsync(FakeClock clock, Action<IServiceCollection> services, params (string Key, string Value)[] settings)
    {
        await api.Service<WebhookDeliveryWorker>().StopAsync(CancellationToken.None);
        var clocked = api.WithClock(clock, services, [("Webhooks:AllowHttpLoopback", "true"), ("Webhooks:PollIntervalSeconds", "86400"), .. settings]);
        return (clocked, clocked.Service<WebhookDeliveryWorker>());
    }

    private static async Task<CreatedWebhookResponse> CreateAsync(HttpClient client, string url, params string[] eventTypes)
    {
        var created = await client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest(url, eventTypes, "tests"), ApiFixture.JsonOptions);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!;
    }

    private static async Task<IReadOnlyList<WebhookDeliveryResponse>> DeliveriesAsync(HttpClient client, string webhookId) =>
        (await client.ListAsync<WebhookDeliveryResponse>($"/v1/webhooks/{webhookId}/deliveries?limit=100")).Data;

    /// <summary>Runs the worker, moving the clock a day on each round, until nothing is pending (bounded).</summary>
    private static async Task DrainAsync(ClockedApi clocked, WebhookDeliveryWorker worker, HttpClient client, string webhookId)
    {
        for (var round = 0; round < 15; round++)
        {
            await worker.RunOnceAsync(CancellationToken.None);
            if ((await DeliveriesAsync(client, webhookId)).All(d => d.Status != WebhookDeliveryStatus.Pending)) return;
            clocked.Clock.Advance(TimeSpan.FromDays(1));
        }
        throw new ShouldAssertException("deliveries still pending after 15 rounds");
    }

    [Fact]
    public async Task A_receiver_that_fails_the_first_attempts_still_gets_every_event_signed_once_accepted_with_the_same_event_id()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await ClockedAsync(clock);
        await using var _ = clocked;
        await RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 3);

        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var stranger = await api.RegisterMemberAsync(club);
        var companyClient = clocked.ClientFor(company);
        var webhook = await CreateAsync(companyClient, receiver.Url, "booking.*", "subscription.subscribed");
        webhook.Secret.ShouldStartWith("whsec_");

        var subscription = await api.SubscribeAsync(company, offer.Id);
        var strangerSubscription = await api.SubscribeAsync(stranger, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: 1);
        var first = await api.BookAsync(company, subscription.Id, slot.Id);
        var second = await api.BookAsync(company, subscription.Id, slot.Id); // waitlisted
        var strangers = await api.BookAsync(stranger, strangerSubscription.Id, slot.Id);
        await api.CancelBookingAsync(company, first.Id); // promotes the next one in the waitlist
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        await api.CaughtUpAsync(FeedRegistration.FeedShard);

        // What the webhook must get: the company's visible events of those types, as the change feed lists them.
        var feed = await companyClient.GetFromJsonAsync<EventPage>("/v1/events?limit=500", ApiFixture.JsonOptions);
        var expected = feed!.Data.Where(e => e.Type.StartsWith("booking.", StringComparison.Ordinal) || e.Type == "subscription.subscribed").ToList();
        expected.Count.ShouldBeGreaterThan(5);

        clock.Advance(TimeSpan.FromMinutes(1));
        await DrainAsync(clocked, worker, companyClient, webhook.Id);

        var requests = receiver.Requests.ToList();
        requests.Count.ShouldBe(expected.Count + 3);
        foreach (var request in requests)
        {
            Services.Client.WebhookSignature.Verify(webhook.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue(request.Body);
            Services.Client.WebhookSignature.Verify("whsec_wrong", request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeFalse();
            var body = JsonSerializer.Deserialize<EventResponse>(request.Body, ApiFixture.JsonOptions)!;
            request.EventId.ShouldBe(body.Id.ToString());
            // As the contract's webhooks section tells a receiver of this event.
            var (headers, requiredData) = Contract.Webhook(body.Type);
            var sent = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                [WebhookSignature.Header] = request.Signature, [WebhookDeliveryWorker.EventIdHeader] = request.EventId, [WebhookDeliveryWorker.DeliveryIdHeader] = request.DeliveryId,
            };
            headers.Keys.ShouldBe(sent.Keys, ignoreOrder: true);
            foreach (var (header, pattern) in headers.Where(h => h.Value is not null)) System.Text.RegularExpressions.Regex.IsMatch(sent[header]!, pattern!).ShouldBeTrue($"{header}: {sent[header]}");
            foreach (var field in requiredData) body.Data.TryGetProperty(field, out var _).ShouldBeTrue($"{body.Type} without {field}");
        }
        // Every event accepted exactly once; retries carry the same event id and body.
        var accepted = requests.Where(r => r.Answered < 300).Select(r => JsonSerializer.Deserialize<EventResponse>(r.Body, ApiFixture.JsonOptions)!).ToList();
        accepted.Select(e => e.Id).Order().ShouldBe(expected.Select(e => e.Id).Order());
        foreach (var e in expected) accepted.Single(a => a.Id == e.Id).Data.GetRawText().ShouldBe(e.Data.GetRawText());
        foreach (var group in requests.GroupBy(r => r.EventId)) group.Select(r => r.Body).Distinct().Count().ShouldBe(1);
        requests.Where(r => r.Answered >= 500).ShouldAllBe(r => requests.Any(a => a.EventId == r.EventId && a.Answered < 300));
        // Never another organization's booking.
        requests.ShouldNotContain(r => r.Body.Contains(strangers.Id, StringComparison.Ordinal));

        // Attempts recorded: the retried deliveries show their 500s then the success.
        var deliveries = await DeliveriesAsync(companyClient, webhook.Id);
        deliveries.Count.ShouldBe(expected.Count);
        deliveries.ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Delivered);
        deliveries.Sum(d => d.AttemptCount).ShouldBe(expected.Count + 3);
        var retried = deliveries.Where(d => d.AttemptCount > 1).ToList();
        retried.ShouldNotBeEmpty();
        foreach (var d in retried)
        {
            d.Attempts.Select(a => a.StatusCode).ShouldBe([.. Enumerable.Repeat<int?>(500, d.AttemptCount - 1), 204]);
            d.Attempts[0].Error.ShouldNotBeNull();
            d.Attempts[^1].Error.ShouldBeNull();
            d.Attempts.Select(a => a.AttemptedAt).ShouldBeInOrder();
        }

        // Redelivery: sent again now with the same event id.
        var target = deliveries[0];
        var redelivered = await companyClient.PostAsync($"/v1/webhooks/{webhook.Id}/deliveries/{target.Id}/redeliver", null);
        redelivered.StatusCode.ShouldBe(HttpStatusCode.Accepted, await redelivered.Content.ReadAsStringAsync());
        (await redelivered.Content.ReadFromJsonAsync<WebhookDeliveryResponse>(ApiFixture.JsonOptions))!.Status.ShouldBe(WebhookDeliveryStatus.Pending);
        (await worker.RunOnceAsync(CancellationToken.None)).ShouldBe(1);
        var last = receiver.Requests.Last();
        last.EventId.ShouldBe(target.EventId.ToString());
        last.DeliveryId.ShouldBe(target.Id);
        (await DeliveriesAsync(companyClient, webhook.Id)).Single(d => d.Id == target.Id).AttemptCount.ShouldBe(target.AttemptCount + 1);
    }

    [Fact]
    public async Task An_organizations_deliveries_go_out_in_the_feeds_order_also_within_one_transaction()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await ClockedAsync(clock);
        await using var _ = clocked;
        await RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var client = clocked.ClientFor(company);
        var webhook = await CreateAsync(client, receiver.Url, "booking.*");
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        for (var i = 0; i < 6; i++) await api.BookAsync(company, subscription.Id, slot.Id); // requested and confirmed in one transaction each
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        await api.CaughtUpAsync(FeedRegistration.FeedShard);
        var feed = await client.GetFromJsonAsync<EventPage>("/v1/events?limit=500", ApiFixture.JsonOptions);

        clock.Advance(TimeSpan.FromMinutes(1));
        await DrainAsync(clocked, worker, client, webhook.Id);

        var inFeedOrder = feed!.Data.Where(e => e.Type.StartsWith("booking.", StringComparison.Ordinal)).Select(e => e.Id.ToString()).ToList();
        inFeedOrder.Count.ShouldBe(12);
        receiver.Requests.Select(r => r.EventId).ShouldBe(inFeedOrder);
    }

    /// <summary>A company's webhook for its bookings, and the deliveries three bookings queue.</summary>
    /// <param name="siblingUrl">Another webhook's URL for the same events, when given.</param>
    private async Task<(Actor Company, CreatedWebhookResponse Webhook)> CompanyWithDeliveriesAsync(ClockedApi clocked, string url, string? siblingUrl = null)
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
    /// Earlier tests of this class leave webhooks that would see this test's events (one for every
    /// type gets the offers published in its territory) and deliveries due to receivers long gone:
    /// both end here, so that a run claims only this test's deliveries.
    /// </summary>
    private async Task RetireEarlierWebhooksAsync()
    {
        await api.ExecuteAsync("update webhooks set deleted_at = now() where deleted_at is null");
        await api.ExecuteAsync("update webhook_deliveries set status = 'failed', next_attempt_at = null where status = 'pending'");
    }

    [Fact]
    public async Task A_delivery_that_got_through_is_recorded_even_when_the_node_stops_as_the_answer_comes_in()
    {
        using var stopping = new CancellationTokenSource();
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await ClockedAsync(clock,
            services => services.AddHttpClient(WebhookDeliveryWorker.HttpClientName).AddHttpMessageHandler(() => new StopsOnceAnswered(stopping)));
        await using var _ = clocked;
        await RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var (company, webhook) = await CompanyWithDeliveriesAsync(clocked, receiver.Url);
        clock.Advance(TimeSpan.FromMinutes(1));

        await worker.RunOnceAsync(stopping.Token);

        var sent = receiver.Requests.ShouldHaveSingleItem().DeliveryId;
        var delivery = (await DeliveriesAsync(clocked.ClientFor(company), webhook.Id)).Single(d => d.Id == sent);
        delivery.Status.ShouldBe(WebhookDeliveryStatus.Delivered);
        delivery.AttemptCount.ShouldBe(1);
    }

    /// <summary>Stops the worker (cancels the token it runs with) once a receiver's answer is in, before the worker records it.</summary>
    private sealed class StopsOnceAnswered(CancellationTokenSource stopping) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await stopping.CancelAsync();
            return response;
        }
    }

    [Fact]
    public async Task A_webhook_deleted_while_its_deliveries_go_out_gets_nothing_more_and_holds_up_no_other_webhook()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await ClockedAsync(clock, ("Webhooks:BatchSize", "2"));
        await using var _ = clocked;
        await RetireEarlierWebhooksAsync();
        HttpClient? deleting = null;
        string? deletedId = null;
        // Only recorded by the receiver: an assertion failing there would only make its answer a 500.
        HttpStatusCode? deletion = null;
        await using var deleted = await Receiver.StartAsync(clock, failFirst: 1, onFirstRequest: async _ =>
            deletion = (await deleting!.DeleteAsync($"/v1/webhooks/{deletedId}")).StatusCode);
        var (company, webhook) = await CompanyWithDeliveriesAsync(clocked, deleted.Url);
        (deleting, deletedId) = (clocked.ClientFor(company), webhook.Id);
        await using var live = await Receiver.StartAsync(clock, failFirst: 0);
        await CompanyWithDeliveriesAsync(clocked, live.Url);
        clock.Advance(TimeSpan.FromMinutes(1));

        // The run claims two of the deleted webhook's deliveries (its oldest); the first one's
        // receiver deletes the webhook before answering 500. The second is not sent, and the
        // failed attempt does not put the first back in the queue.
        (await worker.RunOnceAsync(CancellationToken.None)).ShouldBe(2);
        deletion.ShouldBe(HttpStatusCode.NoContent, "the webhook's deletion while its first delivery went out");
        deleted.Requests.Count.ShouldBe(1);
        (await api.CountAsync("select count(*) from webhook_deliveries where webhook_id = $1 and status = 'pending'", webhook.Id)).ShouldBe(0);

        // Deliveries of a deleted webhook left pending (as the outbox's insert racing the deletion
        // leaves them) are the oldest due, yet the next run sends the live webhook's.
        await api.ExecuteAsync("update webhook_deliveries set status = 'pending', next_attempt_at = created_at - interval '1 hour' where webhook_id = $1", webhook.Id);
        (await worker.RunOnceAsync(CancellationToken.None)).ShouldBe(2);
        live.Requests.Count.ShouldBe(2);
        deleted.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_endpoint_that_stays_down_has_every_delivery_failed_within_its_attempts_even_while_its_circuit_is_open()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await ClockedAsync(clock, ("Webhooks:CircuitMinimumThroughput", "2"), ("Webhooks:MaxAttempts", "3"));
        await using var _ = clocked;
        await RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: int.MaxValue);
        // Two webhooks of one organization on one host share a circuit (URLs cost nothing to vary);
        // another organization's webhook to that host has its own.
        var (company, webhook) = await CompanyWithDeliveriesAsync(clocked, receiver.Url, siblingUrl: receiver.Url + "?copy=2");
        var (neighbour, neighbours) = await CompanyWithDeliveriesAsync(clocked, receiver.Url);
        var client = clocked.ClientFor(company);
        var sibling = (await client.ListAsync<WebhookResponse>("/v1/webhooks")).Data.Single(w => w.Id != webhook.Id);
        var neighbourClient = clocked.ClientFor(neighbour);
        async Task<List<WebhookDeliveryResponse>> AllDeliveriesAsync() =>
            [.. await DeliveriesAsync(client, webhook.Id), .. await DeliveriesAsync(client, sibling.Id), .. await DeliveriesAsync(neighbourClient, neighbours.Id)];
        var queued = (await AllDeliveriesAsync()).Count;
        queued.ShouldBeGreaterThan(6);
        clock.Advance(TimeSpan.FromMinutes(1));

        // Two failures open a circuit: the rest of the run is not sent, to either URL of the organization, and says why.
        await worker.RunOnceAsync(CancellationToken.None);
        receiver.Requests.Count.ShouldBe(4);
        var first = await AllDeliveriesAsync();
        first.ShouldAllBe(d => d.AttemptCount == 1 && d.Status == WebhookDeliveryStatus.Pending);
        first.Count(d => d.Attempts[0].StatusCode == null && d.Attempts[0].Error!.Contains("circuit open")).ShouldBe(queued - 4);

        await DrainAsync(clocked, worker, client, webhook.Id);
        await DrainAsync(clocked, worker, client, sibling.Id);
        await DrainAsync(clocked, worker, neighbourClient, neighbours.Id);
        (await AllDeliveriesAsync()).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Failed && d.AttemptCount == 3);
    }

    [Fact]
    public async Task A_receiver_that_hangs_holds_up_its_own_organization_and_no_other()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await ClockedAsync(clock, ("Webhooks:AttemptTimeoutSeconds", "120"));
        await using var _ = clocked;
        await RetireEarlierWebhooksAsync();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hanging = await Receiver.StartAsync(clock, failFirst: 0, onFirstRequest: _ =>
        {
            reached.TrySetResult();
            return answer.Task;
        });
        await using var healthy = await Receiver.StartAsync(clock, failFirst: 0);
        var (slow, slowWebhook) = await CompanyWithDeliveriesAsync(clocked, hanging.Url);
        var (other, otherWebhook) = await CompanyWithDeliveriesAsync(clocked, healthy.Url);
        var slowQueued = (await DeliveriesAsync(clocked.ClientFor(slow), slowWebhook.Id)).Count;
        var otherQueued = (await DeliveriesAsync(clocked.ClientFor(other), otherWebhook.Id)).Count;
        clock.Advance(TimeSpan.FromMinutes(1));

        // The hanging receiver's deliveries are the oldest due: sent one after another, they would hold
        // the other organization's until the attempt's timeout.
        var (claimed, lanes) = await worker.StartDueAsync(CancellationToken.None);
        claimed.ShouldBe(slowQueued + otherQueued);
        lanes.Count.ShouldBe(2);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await Eventually.WaitUntilAsync(async () => (await DeliveriesAsync(clocked.ClientFor(other), otherWebhook.Id)).All(d => d.Status == WebhookDeliveryStatus.Delivered),
            "the other organization's deliveries are delivered while the first receiver hangs", TimeSpan.FromSeconds(20));
        // Its own organization's deliveries wait behind it: none attempted, nor sent alongside.
        (await DeliveriesAsync(clocked.ClientFor(slow), slowWebhook.Id)).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Pending && d.AttemptCount == 0);
        hanging.Requests.ShouldBeEmpty();

        answer.SetResult();
        await Task.WhenAll(lanes).WaitAsync(TimeSpan.FromSeconds(30));
        (await DeliveriesAsync(clocked.ClientFor(slow), slowWebhook.Id)).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Delivered);
        hanging.Requests.Count.ShouldBe(slowQueued);
    }

    [Fact]
    public async Task A_lane_sends_its_organizations_backlog_at_the_receivers_pace_not_a_batch_per_poll()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await ClockedAsync(clock, ("Webhooks:BatchSize", "2"));
        await using var _ = clocked;
        await RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var (company, webhook) = await CompanyWithDeliveriesAsync(clocked, receiver.Url);
        var queued = (await DeliveriesAsync(clocked.ClientFor(company), webhook.Id)).Count;
        queued.ShouldBeGreaterThan(2);
        clock.Advance(TimeSpan.FromMinutes(1));

        var (claimed, lanes) = await worker.StartDueAsync(CancellationToken.None);
        await Task.WhenAll(lanes).WaitAsync(TimeSpan.FromSeconds(30));

        claimed.ShouldBe(2);
        receiver.Requests.Count.ShouldBe(queued);
        (await DeliveriesAsync(clocked.ClientFor(company), webhook.Id)).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Delivered);
    }

    [Fact]
    public async Task A_redelivery_asked_while_the_delivery_is_being_sent_keeps_both_attempts_and_holds_up_nothing()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await ClockedAsync(clock);
        await using var _ = clocked;
        await RetireEarlierWebhooksAsync();
        HttpClient? client = null;
        string? webhookId = null;
        var redelivered = 0;
        var (otherNode, otherWorker) = await ClockedAsync(clock);
        await using var __ = otherNode;
        // Only recorded by the receiver: an assertion failing there would only make its answer a 500.
        (HttpStatusCode Redelivery, int SentThere)? meanwhile = null;
        // While the first attempt is on the wire, its redelivery is asked and another node's worker
        // sends it (this node's lane for the organization is still busy with the first).
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0, onFirstRequest: async deliveryId =>
        {
            if (Interlocked.Exchange(ref redelivered, 1) == 1) return;
            var redelivery = (await client!.PostAsync($"/v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", null)).StatusCode;
            meanwhile = (redelivery, await otherWorker.RunOnceAsync(CancellationToken.None));
        });
        var (company, webhook) = await CompanyWithDeliveriesAsync(clocked, receiver.Url);
        (client, webhookId) = (clocked.ClientFor(company), webhook.Id);
        var queued = (await DeliveriesAsync(client, webhook.Id)).Count;
        clock.Advance(TimeSpan.FromMinutes(1));

        await worker.RunOnceAsync(CancellationToken.None);

        meanwhile.ShouldBe((HttpStatusCode.Accepted, 1), "the redelivery asked while the first attempt was on the wire, and the other node's run that sent it");
        var deliveries = await DeliveriesAsync(client, webhook.Id);
        deliveries.ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Delivered);
        var twice = deliveries.Where(d => d.AttemptCount == 2).ShouldHaveSingleItem();
        twice.Attempts.Select(a => a.Attempt).Order().ShouldBe([1, 2]);
        receiver.Requests.Count.ShouldBe(queued + 1);
    }

    /// <summary>A clocked API and its worker, a loopback receiver, and a company's webhook with three bookings' deliveries queued.</summary>
    private sealed class DeliveryScene(ClockedApi clocked, WebhookDeliveryWorker worker, Receiver receiver, Actor company, CreatedWebhookResponse webhook) : IAsyncDisposable
    {
        public FakeClock Clock => clocked.Clock;
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

    /// <param name="onFirstRequest">Run by the receiver when the first delivery arrives, with its id.</param>
    private async Task<DeliveryScene> DeliverySceneAsync(Func<DeliveryScene, string, Task>? onFirstRequest = null)
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await ClockedAsync(clock);
        await RetireEarlierWebhooksAsync();
        DeliveryScene? scene = null;
        var receiver = await Receiver.StartAsync(clock, failFirst: 0, onFirstRequest is null ? null : deliveryId => onFirstRequest(scene!, deliveryId));
        var (company, webhook) = await CompanyWithDeliveriesAsync(clocked, receiver.Url);
        scene = new DeliveryScene(clocked, worker, receiver, company, webhook);
        return scene;
    }

    [Fact]
    public async Task A_redelivery_asked_while_the_delivery_is_being_sent_is_sent_after_it_even_when_that_attempt_gets_through()
    {
        HttpStatusCode? redelivery = null;
        await using var scene = await DeliverySceneAsync(async (scene, deliveryId) => redelivery = (await scene.RedeliverAsync(deliveryId)).StatusCode);
        var queued = (await DeliveriesAsync(scene.Client, scene.Webhook.Id)).Count;
        scene.Clock.Advance(TimeSpan.FromMinutes(1));

        await scene.Worker.RunOnceAsync(CancellationToken.None);

        redelivery.ShouldBe(HttpStatusCode.Accepted);
        var asked = scene.Receiver.Requests.First().DeliveryId;
        (await DeliveriesAsync(scene.Client, scene.Webhook.Id)).Single(d => d.Id == asked).Status.ShouldBe(WebhookDeliveryStatus.Pending);
        await scene.Worker.RunOnceAsync(CancellationToken.None);
        scene.Receiver.Requests.Count.ShouldBe(queued + 1);
        scene.Receiver.Requests.Last().DeliveryId.ShouldBe(asked);
        var delivery = (await DeliveriesAsync(scene.Client, scene.Webhook.Id)).Single(d => d.Id == asked);
        delivery.Status.ShouldBe(WebhookDeliveryStatus.Delivered);
        delivery.AttemptCount.ShouldBe(2);
    }

    [Fact]
    public async Task A_redelivery_whose_answer_was_lost_in_a_crash_after_the_commit_is_not_sent_again_by_its_retry()
    {
        await using var scene = await DeliverySceneAsync();
        var deliveryId = (await DeliveriesAsync(scene.Client, scene.Webhook.Id))[0].Id;
        var key = "lost-answer-" + Guid.NewGuid();
        HttpRequestMessage Redelivery() => new(HttpMethod.Post, $"/v1/webhooks/{scene.Webhook.Id}/deliveries/{deliveryId}/redeliver") { Headers = { { "Idempotency-Key", key } } };
        // A crash between the commit and keeping the answer: keeping it fails, and only what the request committed is left.
        await api.ExecuteAsync("create function lose_answers() returns trigger language plpgsql as $$ begin raise exception 'stopped before keeping the answer'; end $$");
        await api.ExecuteAsync("""
            create trigger lose_answers before insert or update on idempotency_keys
            for each row when (new.key like 'lost-answer-%' and new.status is not null) execute function lose_answers()
            """);
        (await scene.Client.SendAsync(Redelivery())).IsSuccessStatusCode.ShouldBeFalse();
        await api.ExecuteAsync("drop trigger lose_answers on idempotency_keys");
        await api.ExecuteAsync("drop function lose_answers");

        var retry = await scene.Client.SendAsync(Redelivery());

        await retry.ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_progress");
        await api.ExecuteAsync("update idempotency_keys set created_at = created_at - interval '61 seconds' where key = $1", key);
        await (await scene.Client.SendAsync(Redelivery())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_key_interrupted");
        (await api.CountAsync("select count(*) from webhook_deliveries where delivery_id = $1 and redeliveries = 1", deliveryId)).ShouldBe(1);
    }

    [Fact]
    public async Task Deliveries_queued_for_a_webhook_as_it_was_deleted_are_ended_not_left_pending()
    {
        await using var scene = await DeliverySceneAsync();
        (await scene.Client.DeleteAsync($"/v1/webhooks/{scene.Webhook.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        // What an outbox page that read the webhook before its deletion committed writes after it.
        await api.ExecuteAsync("""
            insert into webhook_deliveries (delivery_id, webhook_id, event_id, event_type, body, status, next_attempt_at, created_at)
            values ('dlv_queued_as_it_was_deleted', $1, $2, 'booking.requested', '{}', 'pending', now(), now())
            """, scene.Webhook.Id, Guid.NewGuid());
        scene.Clock.Advance(TimeSpan.FromMinutes(1));

        await scene.Worker.RunOnceAsync(CancellationToken.None);

        (await api.CountAsync("select count(*) from webhook_deliveries where webhook_id = $1 and status = 'pending'", scene.Webhook.Id)).ShouldBe(0);
        (await api.CountAsync("select count(*) from webhook_deliveries where delivery_id = 'dlv_queued_as_it_was_deleted' and last_error = 'webhook deleted'")).ShouldBe(1);
        scene.Receiver.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_rotated_secret_signs_every_delivery_and_the_previous_one_signs_too_for_a_day()
    {
        await using var scene = await DeliverySceneAsync();
        var (old, receiver) = (scene.Webhook.Secret, scene.Receiver);

        var rotation = await scene.Client.PostAsync($"/v1/webhooks/{scene.Webhook.Id}/rotate-secret", null);

        rotation.StatusCode.ShouldBe(HttpStatusCode.OK, await rotation.Content.ReadAsStringAsync());
        var rotated = (await rotation.Content.ReadFromJsonAsync<RotatedWebhookSecretResponse>(ApiFixture.JsonOptions))!;
        rotated.Secret.ShouldStartWith("whsec_");
        rotated.Secret.ShouldNotBe(old);
        rotated.PreviousSecretValidUntil.ShouldBe(scene.Clock.GetUtcNow().AddHours(24), TimeSpan.FromMilliseconds(1));
        scene.Clock.Advance(TimeSpan.FromMinutes(1));
        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(6);
        foreach (var request in receiver.Requests)
        {
            Services.Client.WebhookSignature.Verify(rotated.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue();
            Services.Client.WebhookSignature.Verify(old, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue();
        }

        scene.Clock.Advance(TimeSpan.FromHours(24));
        (await scene.RedeliverAsync(receiver.Requests.First().DeliveryId!)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(1);
        var later = receiver.Requests.Last();
        Services.Client.WebhookSignature.Verify(rotated.Secret, later.Signature, later.Body, Services.Client.WebhookSignature.DefaultTolerance, later.At).ShouldBeTrue();
        Services.Client.WebhookSignature.Verify(old, later.Signature, later.Body, Services.Client.WebhookSignature.DefaultTolerance, later.At).ShouldBeFalse();
        var stranger = await api.RegisterAsync(OrganizationKind.Company);
        await (await stranger.Client.PostAsync($"/v1/webhooks/{scene.Webhook.Id}/rotate-secret", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Of_two_rotations_made_from_one_read_the_second_is_refused_rather_than_making_the_first_ones_secret_the_previous_one()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var webhook = await CreateAsync(company.Client, "https://hooks.example.com/rotations", "booking.*");
        var read = (await company.Client.GetAsync($"/v1/webhooks/{webhook.Id}")).Headers.ETag!.Tag;

        var first = await company.Client.SendAsync(IfMatch(HttpMethod.Post, $"/v1/webhooks/{webhook.Id}/rotate-secret", read));
        var second = await company.Client.SendAsync(IfMatch(HttpMethod.Post, $"/v1/webhooks/{webhook.Id}/rotate-secret", read));

        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        await second.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
    }

    [Fact]
    public async Task A_rotation_answers_the_webhooks_new_version_as_its_ETag()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var webhook = await CreateAsync(company.Client, "https://hooks.example.com/rotated", "booking.*");

        var rotation = await company.Client.PostAsync($"/v1/webhooks/{webhook.Id}/rotate-secret", null);

        rotation.StatusCode.ShouldBe(HttpStatusCode.OK, await rotation.Content.ReadAsStringAsync());
        rotation.Headers.ETag?.Tag.ShouldBe("\"2\"");
        (await company.Client.GetAsync($"/v1/webhooks/{webhook.Id}")).Headers.ETag?.Tag.ShouldBe(rotation.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task A_webhook_shows_until_when_its_previous_secret_still_signs_and_null_before_any_rotation()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var webhook = await CreateAsync(company.Client, "https://hooks.example.com/overlap", "booking.*");
        var path = $"/v1/webhooks/{webhook.Id}";
        (await company.Client.GetFromJsonAsync<WebhookResponse>(path, ApiFixture.JsonOptions))!.PreviousSecretValidUntil.ShouldBeNull();

        var rotated = (await (await company.Client.PostAsync($"{path}/rotate-secret", null)).Content.ReadFromJsonAsync<RotatedWebhookSecretResponse>(ApiFixture.JsonOptions))!;

        var shown = (await company.Client.GetFromJsonAsync<WebhookResponse>(path, ApiFixture.JsonOptions))!.PreviousSecretValidUntil;
        shown.ShouldNotBeNull().ShouldBe(rotated.PreviousSecretValidUntil, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Deliveries_claimed_before_a_rotation_and_sent_after_it_are_signed_with_the_new_secret()
    {
        RotatedWebhookSecretResponse? rotated = null;
        await using var scene = await DeliverySceneAsync(async (scene, _) =>
            rotated = await (await scene.Client.PostAsync($"/v1/webhooks/{scene.Webhook.Id}/rotate-secret", null)).Content.ReadFromJsonAsync<RotatedWebhookSecretResponse>(ApiFixture.JsonOptions));
        scene.Clock.Advance(TimeSpan.FromMinutes(1));

        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(6);

        rotated.ShouldNotBeNull();
        foreach (var request in scene.Receiver.Requests.Skip(1))
            Services.Client.WebhookSignature.Verify(rotated.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue();
    }

    [Fact]
    public async Task A_webhook_moved_to_another_url_takes_its_pending_deliveries_there_and_its_version_moves_on()
    {
        await using var scene = await DeliverySceneAsync();
        await using var moved = await Receiver.StartAsync(scene.Clock, failFirst: 0);
        var path = $"/v1/webhooks/{scene.Webhook.Id}";

        var updated = await scene.Client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, path)
        {
            Content = JsonContent.Create(new UpdateWebhookRequest(Url: moved.Url, Description: ""), options: ApiFixture.JsonOptions),
            Headers = { { "If-Match", "\"1\"" } },
        });

        updated.StatusCode.ShouldBe(HttpStatusCode.OK, await updated.Content.ReadAsStringAsync());
        updated.Headers.ETag!.Tag.ShouldBe("\"2\"");
        var webhook = (await updated.Content.ReadFromJsonAsync<WebhookResponse>(ApiFixture.JsonOptions))!;
        (webhook.Url, webhook.Description).ShouldBe((moved.Url, (string?)null));
        webhook.EventTypes.ShouldBe(scene.Webhook.EventTypes);
        scene.Clock.Advance(TimeSpan.FromMinutes(1));
        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(6);
        moved.Requests.Count.ShouldBe(6);
        scene.Receiver.Requests.ShouldBeEmpty();
        foreach (var request in moved.Requests)
            Services.Client.WebhookSignature.Verify(scene.Webhook.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue();

        var retyped = await scene.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(EventTypes: ["*", "*"]), ApiFixture.JsonOptions);
        retyped.Headers.ETag!.Tag.ShouldBe("\"3\"");
        var both = (await retyped.Content.ReadFromJsonAsync<WebhookResponse>(ApiFixture.JsonOptions))!;
        (both.Url, both.EventTypes.Single()).ShouldBe((moved.Url, "*"));
        var stale = new HttpRequestMessage(HttpMethod.Delete, path) { Headers = { { "If-Match", "\"2\"" } } };
        await (await scene.Client.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        var current = new HttpRequestMessage(HttpMethod.Delete, path) { Headers = { { "If-Match", "\"3\"" } } };
        (await scene.Client.SendAsync(current)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Deliveries_claimed_before_a_move_and_sent_after_it_go_to_the_new_url()
    {
        await using var moved = await Receiver.StartAsync(TimeProvider.System, failFirst: 0);
        HttpStatusCode? edit = null;
        await using var scene = await DeliverySceneAsync(async (scene, _) =>
            edit = (await scene.Client.PatchAsJsonAsync($"/v1/webhooks/{scene.Webhook.Id}", new UpdateWebhookRequest(Url: moved.Url), ApiFixture.JsonOptions)).StatusCode);
        scene.Clock.Advance(TimeSpan.FromMinutes(1));

        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(6);

        edit.ShouldBe(HttpStatusCode.OK);
        scene.Receiver.Requests.Count.ShouldBe(1);
        moved.Requests.Count.ShouldBe(5);
    }

    [Fact]
    public async Task An_edit_that_changes_nothing_keeps_the_version()
    {
        await using var scene = await DeliverySceneAsync();
        var path = $"/v1/webhooks/{scene.Webhook.Id}";

        var same = await scene.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(Url: scene.Webhook.Url, EventTypes: scene.Webhook.EventTypes), ApiFixture.JsonOptions);

        same.StatusCode.ShouldBe(HttpStatusCode.OK, await same.Content.ReadAsStringAsync());
        same.Headers.ETag!.Tag.ShouldBe("\"1\"");
        (await scene.Client.GetAsync(path)).Headers.ETag!.Tag.ShouldBe("\"1\"");
    }

    [Fact]
    public async Task An_edit_is_refused_naming_the_field_and_only_the_webhooks_organization_makes_it()
    {
        await using var scene = await DeliverySceneAsync();
        var path = $"/v1/webhooks/{scene.Webhook.Id}";

        await (await scene.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(Url: "http://example.org/hook"), ApiFixture.JsonOptions)).ShouldBeInvalidAsync("url");
        await (await scene.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(EventTypes: ["booking.nothing"]), ApiFixture.JsonOptions)).ShouldBeInvalidAsync("eventTypes[0]");
        var stale = new HttpRequestMessage(HttpMethod.Patch, path)
        {
            Content = JsonContent.Create(new UpdateWebhookRequest(EventTypes: ["*"]), options: ApiFixture.JsonOptions),
            Headers = { { "If-Match", "\"7\"" } },
        };
        await (await scene.Client.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        var stranger = await api.RegisterAsync(OrganizationKind.Company);
        await (await stranger.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(EventTypes: ["*"]), ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        (await scene.Client.GetFromJsonAsync<WebhookResponse>(path, ApiFixture.JsonOptions))!.EventTypes.ShouldBe(scene.Webhook.EventTypes);
    }

    [Fact]
    public async Task Deliveries_whose_signing_secret_no_configured_master_key_opens_wait_without_counting_attempts_and_go_out_once_their_key_is_back()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, _) = await ClockedAsync(clock);
        await using var __ = clocked;
        await RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var (company, webhook) = await CompanyWithDeliveriesAsync(clocked, receiver.Url);
        var newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBox.KeySize));
        var (changed, changedWorker) = await ClockedAsync(clock, (MasterKey.ConfigurationKey, newKey));
        await using var ___ = changed;

        // Far past the attempts a failing receiver gets (MaxAttempts over about a day).
        for (var day = 0; day < 12; day++)
        {
            clock.Advance(TimeSpan.FromDays(1));
            await changedWorker.RunOnceAsync(CancellationToken.None);
        }
        receiver.Requests.ShouldBeEmpty();
        var waiting = await DeliveriesAsync(changed.ClientFor(company), webhook.Id);
        waiting.ShouldNotBeEmpty();
        waiting.ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Pending && d.AttemptCount == 0);

        // The old key comes back as the current one. (Back as a previous key, it would be re-wrapped at start: the whole
        // class's database would change key under the later tests; MasterKeyRotationTests covers that.)
        var (restored, restoredWorker) = await ClockedAsync(clock);
        await using var ____ = restored;
        clock.Advance(TimeSpan.FromDays(1));
        await restoredWorker.RunOnceAsync(CancellationToken.None);

        receiver.Requests.Count.ShouldBe(waiting.Count);
        foreach (var request in receiver.Requests)
            Services.Client.WebhookSignature.Verify(webhook.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue();
        (await DeliveriesAsync(restored.ClientFor(company), webhook.Id)).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Delivered && d.AttemptCount == 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // by a node of the version before the owner's kind was kept, during an upgrade
    public async Task A_partners_webhook_gets_the_needs_of_its_territory_without_the_company_that_recorded_them(bool madeWithoutItsKind)
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await ClockedAsync(clock);
        await using var __ = clocked;
        await RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var partner = await api.RegisterAsync(OrganizationKind.Partner);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterMemberAsync(club);
        var webhook = await CreateAsync(clocked.ClientFor(partner), receiver.Url, "need.*");
        if (madeWithoutItsKind) await api.ExecuteAsync("update webhooks set organization_kind = null where webhook_id = $1", webhook.Id);
        var need = await api.RecordNeedAsync(company);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        clock.Advance(TimeSpan.FromMinutes(1));

        await worker.RunOnceAsync(CancellationToken.None);

        var recorded = receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Single(e => e.GetProperty("type").GetString() == "need.recorded" && e.GetProperty("data").GetProperty("needId").GetString() == need.Id);
        recorded.GetProperty("data").TryGetProperty("companyId", out _).ShouldBeFalse();
        receiver.Requests.ShouldNotContain(r => r.Body.Contains(company.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_webhook_is_managed_by_its_organization_only_its_secret_is_shown_once_and_a_stale_if_match_keeps_it()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, _) = await ClockedAsync(clock);
        await using var __ = clocked;
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var other = await api.RegisterAsync(OrganizationKind.Company);
        var client = clocked.ClientFor(company);
        var created = await CreateAsync(client, "https://hooks.example.com/services", "booking.confirmed", "need.*");
        created.EventTypes.ShouldBe(["booking.confirmed", "need.*"]);

        var read = await client.GetAsync($"/v1/webhooks/{created.Id}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await read.Content.ReadAsStringAsync()).ShouldNotContain("whsec_");
        var list = await client.ListAsync<WebhookResponse>("/v1/webhooks");
        list.Data.Select(w => w.Id).ShouldBe([created.Id]);
        (await other.Client.ListAsync<WebhookResponse>("/v1/webhooks")).Data.ShouldBeEmpty();
        (await api.Operator.ListAsync<WebhookResponse>("/v1/webhooks?limit=100")).Data.ShouldContain(w => w.Id == created.Id);

        await (await other.Client.GetAsync($"/v1/webhooks/{created.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.Client.GetAsync($"/v1/webhooks/{created.Id}/deliveries")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.Client.DeleteAsync($"/v1/webhooks/{created.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await client.PostAsync($"/v1/webhooks/{created.Id}/deliveries/dlv_nothing/redeliver", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // A real delivery of another organization's webhook is not sent again by this one: neither
        // through that webhook, nor through a webhook of its own; the delivery stays as it was.
        var (owner, delivering) = await CompanyWithDeliveriesAsync(clocked, "https://hooks.example.com/owner");
        var delivery = (await DeliveriesAsync(clocked.ClientFor(owner), delivering.Id))[0];
        var others = await CreateAsync(clocked.ClientFor(other), "https://hooks.example.com/other", "booking.*");
        await (await other.Client.PostAsync($"/v1/webhooks/{delivering.Id}/deliveries/{delivery.Id}/redeliver", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.Client.PostAsync($"/v1/webhooks/{others.Id}/deliveries/{delivery.Id}/redeliver", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var after = (await DeliveriesAsync(clocked.ClientFor(owner), delivering.Id)).Single(d => d.Id == delivery.Id);
        (after.Status, after.AttemptCount, after.NextAttemptAt).ShouldBe((delivery.Status, delivery.AttemptCount, delivery.NextAttemptAt));
        // Nothing left for later runs of the worker to send to hosts that are not there.
        (await clocked.ClientFor(owner).DeleteAsync($"/v1/webhooks/{delivering.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await other.Client.DeleteAsync($"/v1/webhooks/{others.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        read.Headers.ETag!.Tag.ShouldBe("\"1\"");
        await (await client.SendAsync(IfMatch(HttpMethod.Delete, $"/v1/webhooks/{created.Id}", "\"2\""))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        await (await other.Client.SendAsync(IfMatch(HttpMethod.Delete, $"/v1/webhooks/{created.Id}", "\"2\""))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await client.GetAsync($"/v1/webhooks/{created.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.SendAsync(IfMatch(HttpMethod.Delete, $"/v1/webhooks/{created.Id}", read.Headers.ETag.Tag))).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await (await client.GetAsync($"/v1/webhooks/{created.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"/v1/webhooks/{created.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await api.Anonymous().GetAsync("/v1/webhooks")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_organization_has_a_bounded_number_of_webhooks_even_registering_them_all_at_once()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        const int max = WebhookOptions.DefaultMaxPerOrganization;

        var answers = await Task.WhenAll(Enumerable.Range(0, max + 5).Select(i => company.Client.PostAsJsonAsync(
            "/v1/webhooks", new CreateWebhookRequest($"https://hooks.example.com/{i}", ["need.*"], "tests"), ApiFixture.JsonOptions)));

        answers.Count(answer => answer.StatusCode == HttpStatusCode.Created).ShouldBe(max);
        foreach (var refused in answers.Where(answer => answer.StatusCode != HttpStatusCode.Created))
            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "webhook_limit_reached");
        var listed = (await company.Client.ListAsync<WebhookResponse>("/v1/webhooks?limit=100")).Data;
        listed.Count.ShouldBe(max);
        (await company.Client.DeleteAsync($"/v1/webhooks/{listed[0].Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await CreateAsync(company.Client, "https://hooks.example.com/replacement", "need.*");
        (await (await api.RegisterAsync(OrganizationKind.Company)).Client.PostAsJsonAsync(
            "/v1/webhooks", new CreateWebhookRequest("https://hooks.example.com/other", ["need.*"], "tests"), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Rebuilding_the_outbox_rebuilds_its_lookups_and_queues_nothing_twice_nor_old_events_for_types_widened_since()
    {
        var (clocked, _) = await ClockedAsync(new FakeClock(DateTimeOffset.UtcNow));
        await using var _ = clocked;
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var webhook = await CreateAsync(clocked.ClientFor(club), "https://hooks.example.com/club", "booking.confirmed");
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        var queued = await DeliveriesAsync(club.Client, webhook.Id);
        queued.ShouldHaveSingleItem().EventType.ShouldBe("booking.confirmed");
        (await club.Client.PatchAsJsonAsync($"/v1/webhooks/{webhook.Id}", new UpdateWebhookRequest(EventTypes: ["*"]), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Deliveries are kept, not reset: a rebuild must queue nothing twice, nor the events of before the widening.
        await api.RebuildEqualsLiveAsync(FeedRegistration.OutboxShard, FeedReading.AudienceLookups("rm_outbox"), kept: ["webhook_deliveries"]);
        (await DeliveriesAsync(club.Client, webhook.Id)).Select(d => d.Id).ShouldBe(queued.Select(d => d.Id));

        await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        (await DeliveriesAsync(club.Client, webhook.Id)).Select(d => d.EventType).ShouldContain("booking.requested", "later events are queued under the new types");
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/hook")] // loopback HTTP: not allowed by this configuration
    [InlineData("http://hooks.example.com/services")]
    [InlineData("ftp://hooks.example.com/services")]
    [InlineData("not a url")]
    [InlineData("https://user:pass@hooks.example.com/")]
    [InlineData("https://169.254.169.254/latest/meta-data")] // a cloud's metadata service
    [InlineData("https://10.0.0.5/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("https://[::ffff:10.0.0.1]/hook")]
    [InlineData("https://…/hook")] // a placeholder copied as it is
    [InlineData("https://-bad-/hook")]
    [InlineData("https://hooks/hook")] // no public name has no dot
    public async Task Only_https_urls_to_public_addresses_are_accepted(string url)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await (await company.Client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest(url, ["booking.*"]), ApiFixture.JsonOptions)).ShouldBeInvalidAsync("url");
    }

    [Theory]
    [InlineData("https://hooks.example.com./hook")] // an absolute name
    [InlineData("https://my_receiver.example.com/hook")]
    [InlineData("https://HOOKS.Example.com:8443/hook")]
    [InlineData("https://bücher.example/hook")]
    public void Public_host_names_as_dns_writes_them_are_accepted(string url) => new WebhookOptions().Refuse(url).ShouldBeNull();

    [Fact]
    public async Task Plain_http_is_refused_for_other_hosts_even_where_loopback_is_allowed()
    {
        var (clocked, _) = await ClockedAsync(new FakeClock(DateTimeOffset.UtcNow));
        await using var _ = clocked;
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var client = clocked.ClientFor(company);
        await (await client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest("http://hooks.example.com/x", ["*"]), ApiFixture.JsonOptions)).ShouldBeInvalidAsync("url");
        (await client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest("http://127.0.0.1:9/x", ["*"]), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("""{"url":"https://h.example.com/","eventTypes":["booking.nope"]}""", "eventTypes[0]")]
    [InlineData("""{"url":"https://h.example.com/","eventTypes":[]}""", "eventTypes")]
    [InlineData("""{"url":"https://h.example.com/"}""", "eventTypes")]
    [InlineData("""{"eventTypes":["*"]}""", "url")]
    [InlineData("""{"url":"https://h.example.com/","eventTypes":["*"],"extra":1}""", "extra")]
    public async Task Invalid_requests_name_the_field(string json, string field)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await (await company.Client.PostAsync("/v1/webhooks", new StringContent(json, System.Text.Encoding.UTF8, "application/json"))).ShouldBeInvalidAsync(field);
    }

    [Fact]
    public void Signatures_verify_only_with_the_secret_the_body_and_a_recent_timestamp()
    {
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var header = WebhookSignature.Sign("whsec_abc", at, """{"id":1}""");
        header.ShouldStartWith($"t={at.ToUnixTimeSeconds()},v1=");
        Services.Client.WebhookSignature.Verify("whsec_abc", header, """{"id":1}""", TimeSpan.FromMinutes(5), at.AddMinutes(4)).ShouldBeTrue();
        Services.Client.WebhookSignature.Verify("whsec_abc", header, """{"id":2}""", TimeSpan.FromMinutes(5), at).ShouldBeFalse();
        Services.Client.WebhookSignature.Verify("whsec_abd", header, """{"id":1}""", TimeSpan.FromMinutes(5), at).ShouldBeFalse();
        Services.Client.WebhookSignature.Verify("whsec_abc", header, """{"id":1}""", TimeSpan.FromMinutes(5), at.AddMinutes(6)).ShouldBeFalse();
        Services.Client.WebhookSignature.Verify("whsec_abc", "garbage", """{"id":1}""", TimeSpan.FromMinutes(5), at).ShouldBeFalse();
        Services.Client.WebhookSignature.Verify("whsec_abc", null, """{"id":1}""", TimeSpan.FromMinutes(5), at).ShouldBeFalse();
        Services.Client.WebhookSignature.Verify("whsec_abc", header.Replace($"t={at.ToUnixTimeSeconds()}", "t=99999999999999", StringComparison.Ordinal), """{"id":1}""", TimeSpan.FromMinutes(5), at).ShouldBeFalse();
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2606:4700::1111", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.20.0.1", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:192.168.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)] // NAT64 of 10.0.0.1
    [InlineData("2002:a00:1::1", false)] // 6to4 of 10.0.0.1
    [InlineData("::10.0.0.1", false)]
    public void Public_addresses_are_told_from_private_local_and_reserved_ones(string address, bool isPublic) =>
        PublicAddresses.IsPublic(IPAddress.Parse(address)).ShouldBe(isPublic);

    [Theory]
    [InlineData("https://10.0.0.5/hook", true)]
    [InlineData("https://172.20.0.1/hook", true)]
    [InlineData("https://[fd00::1]/hook", true)]
    [InlineData("https://169.254.169.254/latest/meta-data", false)] // a cloud's metadata service
    [InlineData("https://[fe80::1]/hook", false)]
    [InlineData("https://0.0.0.0:8443/hook", false)] // reaches this machine
    [InlineData("https://[::]:8443/hook", false)]
    [InlineData("https://224.0.0.1/hook", false)]
    [InlineData("https://255.255.255.255/hook", false)]
    [InlineData("https://127.0.0.1/hook", false)] // loopback has its own switch
    [InlineData("https://receiver:8443/hook", true)] // a service name on the platform's network
    [InlineData("https://-bad-/hook", false)]
    public void Opening_private_networks_opens_those_alone(string url, bool accepted) =>
        (new WebhookOptions { AllowPrivateNetworks = true }.Refuse(url) is null).ShouldBe(accepted);

    [Fact]
    public async Task A_delivery_where_private_networks_are_open_never_connects_to_this_machine_through_the_unspecified_address()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var inHouse = new WebhookOptions { AllowPrivateNetworks = true };
        await Should.ThrowAsync<HttpRequestException>(async () =>
            await PublicAddresses.ConnectAsync(new DnsEndPoint("0.0.0.0", port), inHouse.MayDeliverTo, CancellationToken.None));
    }

    [Fact]
    public async Task A_delivery_never_connects_to_a_name_that_resolves_to_this_machine()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var strict = new WebhookOptions();
        var refused = await Should.ThrowAsync<HttpRequestException>(async () =>
            await PublicAddresses.ConnectAsync(new DnsEndPoint("localhost", port), strict.MayDeliverTo, CancellationToken.None));
        // A name that does not exist (RFC 6761) reads the same: the answers do not map the platform's network.
        var unknown = await Should.ThrowAsync<HttpRequestException>(async () =>
            await PublicAddresses.ConnectAsync(new DnsEndPoint("webhooks-test.invalid", port), strict.MayDeliverTo, CancellationToken.None));
        unknown.Message.ShouldBe(refused.Message.Replace("localhost", "webhooks-test.invalid", StringComparison.Ordinal));

        var development = new WebhookOptions { AllowHttpLoopback = true };
        await using var stream = await PublicAddresses.ConnectAsync(new DnsEndPoint("localhost", port), development.MayDeliverTo, CancellationToken.None);
        stream.CanWrite.ShouldBeTrue();
    }

    [Fact]
    public void A_failed_attempt_records_the_causes_of_its_error_not_only_the_outer_message()
    {
        var tls = new HttpRequestException("The SSL connection could not be established, see inner exception.",
            new System.Security.Authentication.AuthenticationException("The remote certificate is invalid because of errors in the certificate chain: NotTimeValid"));
        WebhookDeliveryWorker.Explain(tls).ShouldBe("The SSL connection could not be established, see inner exception. (The remote certificate is invalid because of errors in the certificate chain: NotTimeValid)");
        WebhookDeliveryWorker.Explain(new HttpRequestException("Connection refused")).ShouldBe("Connection refused");
    }

    [Fact]
    public void The_default_schedule_spans_about_a_day()
    {
        var options = new WebhookOptions();
        var total = Enumerable.Range(1, options.MaxAttempts - 1).Aggregate(TimeSpan.Zero, (sum, n) => sum + options.Backoff(n, 0.5));
        total.TotalHours.ShouldBeInRange(20, 30);
        options.Backoff(1, 0).ShouldBeLessThan(options.Backoff(1, 0.99));
    }

    private static HttpRequestMessage IfMatch(HttpMethod method, string path, string etag)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return request;
    }
}
