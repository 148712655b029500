using System.Net;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;
using static Services.Api.Tests.Webhooks.WebhookScenes;

namespace Services.Api.Tests.Webhooks;

/// <summary>A receiver that fails, hangs or is deleted holds up its own organization's deliveries at most, never another's.</summary>
public sealed class WebhookDeliveryIsolationHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_webhook_deleted_while_its_deliveries_go_out_gets_nothing_more_and_holds_up_no_other_webhook()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock, ("Webhooks:BatchSize", "2"));
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        HttpClient? deleting = null;
        string? deletedId = null;
        // Only recorded by the receiver: an assertion failing there would only make its answer a 500.
        HttpStatusCode? deletion = null;
        await using var deleted = await Receiver.StartAsync(clock, failFirst: 1, onFirstRequest: async _ =>
            deletion = (await deleting!.DeleteAsync($"/v1/webhooks/{deletedId}")).StatusCode);
        var (company, webhook) = await api.CompanyWithDeliveriesAsync(clocked, deleted.Url);
        (deleting, deletedId) = (clocked.ClientFor(company), webhook.Id);
        await using var live = await Receiver.StartAsync(clock, failFirst: 0);
        await api.CompanyWithDeliveriesAsync(clocked, live.Url);
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
        var (clocked, worker) = await api.ClockedAsync(clock, ("Webhooks:CircuitMinimumThroughput", "2"), ("Webhooks:MaxAttempts", "3"));
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: int.MaxValue);
        // Two webhooks of one organization on one host share a circuit (URLs cost nothing to vary);
        // another organization's webhook to that host has its own.
        var (company, webhook) = await api.CompanyWithDeliveriesAsync(clocked, receiver.Url, siblingUrl: receiver.Url + "?copy=2");
        var (neighbour, neighbours) = await api.CompanyWithDeliveriesAsync(clocked, receiver.Url);
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
        // ...with the failure that keeps the circuit open, which is what the integrator has to fix.
        first.Where(d => d.Attempts[0].StatusCode == null).ShouldAllBe(d => d.Attempts[0].Error!.EndsWith("The last attempt sent there failed: HTTP 500 Internal Server Error"));

        await DrainAsync(clocked, worker, client, webhook.Id);
        await DrainAsync(clocked, worker, client, sibling.Id);
        await DrainAsync(clocked, worker, neighbourClient, neighbours.Id);
        (await AllDeliveriesAsync()).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Failed && d.AttemptCount == 3);
    }

    [Fact]
    public async Task A_receiver_no_longer_sent_to_has_its_circuit_forgotten_when_the_worker_next_claims()
    {
        await using var scene = await api.DeliverySceneAsync();
        scene.Clock.Advance(TimeSpan.FromMinutes(1));
        await scene.Worker.RunOnceAsync(CancellationToken.None);
        scene.Receiver.Requests.ShouldNotBeEmpty();
        scene.Worker.Circuits.Count.ShouldBe(1);

        scene.Clock.Advance(scene.Worker.Circuits.Idle + TimeSpan.FromSeconds(1));
        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(0);
        scene.Worker.Circuits.Count.ShouldBe(0);
    }

    [Fact]
    public async Task A_receiver_that_hangs_holds_up_its_own_organization_and_no_other()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock, ("Webhooks:AttemptTimeoutSeconds", "120"));
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hanging = await Receiver.StartAsync(clock, failFirst: 0, onFirstRequest: _ =>
        {
            reached.TrySetResult();
            return answer.Task;
        });
        await using var healthy = await Receiver.StartAsync(clock, failFirst: 0);
        var (slow, slowWebhook) = await api.CompanyWithDeliveriesAsync(clocked, hanging.Url);
        var (other, otherWebhook) = await api.CompanyWithDeliveriesAsync(clocked, healthy.Url);
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
        var (clocked, worker) = await api.ClockedAsync(clock, ("Webhooks:BatchSize", "2"));
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var (company, webhook) = await api.CompanyWithDeliveriesAsync(clocked, receiver.Url);
        var queued = (await DeliveriesAsync(clocked.ClientFor(company), webhook.Id)).Count;
        queued.ShouldBeGreaterThan(2);
        clock.Advance(TimeSpan.FromMinutes(1));

        var (claimed, lanes) = await worker.StartDueAsync(CancellationToken.None);
        await Task.WhenAll(lanes).WaitAsync(TimeSpan.FromSeconds(30));

        claimed.ShouldBe(2);
        receiver.Requests.Count.ShouldBe(queued);
        (await DeliveriesAsync(clocked.ClientFor(company), webhook.Id)).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Delivered);
    }
}
