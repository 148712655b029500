using System.Net;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;
using static Services.Api.Tests.Webhooks.WebhookScenes;

namespace Services.Api.Tests.Webhooks;

/// <summary>A delivery sent again on request, also while its first attempt is on the wire or after a crash lost the answer.</summary>
public sealed class WebhookRedeliveryHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_redelivery_asked_while_the_delivery_is_being_sent_keeps_both_attempts_and_holds_up_nothing()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock);
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        HttpClient? client = null;
        string? webhookId = null;
        var redelivered = 0;
        var (otherNode, otherWorker) = await api.ClockedAsync(clock);
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
        var (company, webhook) = await api.CompanyWithDeliveriesAsync(clocked, receiver.Url);
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

    [Fact]
    public async Task A_redelivery_asked_while_the_delivery_is_being_sent_is_sent_after_it_even_when_that_attempt_gets_through()
    {
        HttpStatusCode? redelivery = null;
        await using var scene = await api.DeliverySceneAsync(async (scene, deliveryId) => redelivery = (await scene.RedeliverAsync(deliveryId)).StatusCode);
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
        await using var scene = await api.DeliverySceneAsync();
        var deliveryId = (await DeliveriesAsync(scene.Client, scene.Webhook.Id))[0].Id;
        var key = LostAnswerKey();
        HttpRequestMessage Redelivery() => new(HttpMethod.Post, $"/v1/webhooks/{scene.Webhook.Id}/deliveries/{deliveryId}/redeliver") { Headers = { { "Idempotency-Key", key } } };

        await api.RetryAfterAnAnswerLostAsync(scene.Client, Redelivery, key);

        (await api.CountAsync("select count(*) from webhook_deliveries where delivery_id = $1 and redeliveries = 1", deliveryId)).ShouldBe(1);
    }
}
