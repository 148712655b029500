using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;
using static Services.Api.Tests.Webhooks.WebhookScenes;

namespace Services.Api.Tests.Webhooks;

/// <summary>A test delivery on request: to the webhook asked for only, whatever its event types, signed and listed as any delivery.</summary>
public sealed class WebhookPingHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static Task<HttpResponseMessage> PingAsync(HttpClient client, string webhookId, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/webhooks/{webhookId}/ping");
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }

    private static async Task<WebhookDeliveryResponse> AcceptedAsync(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<WebhookDeliveryResponse>(ApiFixture.JsonOptions))!;
    }

    [Fact]
    public async Task A_ping_reaches_only_the_pinged_webhook_signed_with_its_secret_though_it_asked_for_bookings_only_and_is_listed_with_its_answer()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock);
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        await using var siblingReceiver = await Receiver.StartAsync(clock, failFirst: 0);
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var client = clocked.ClientFor(company);
        var webhook = await CreateAsync(client, receiver.Url, "booking.*");
        var sibling = await CreateAsync(client, siblingReceiver.Url, "*");

        var response = await PingAsync(client, webhook.Id);

        var queued = await AcceptedAsync(response);
        response.Headers.Location!.ToString().ShouldBe($"/v1/webhooks/{webhook.Id}/deliveries/{queued.Id}");
        queued.EventType.ShouldBe(WebhookPing.Name);
        queued.Status.ShouldBe(WebhookDeliveryStatus.Pending);
        (await worker.RunOnceAsync(CancellationToken.None)).ShouldBe(1);
        var request = receiver.Requests.ShouldHaveSingleItem();
        siblingReceiver.Requests.ShouldBeEmpty();
        Services.Client.WebhookSignature.Verify(webhook.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue(request.Body);
        Services.Client.WebhookSignature.Verify(sibling.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeFalse();
        request.DeliveryId.ShouldBe(queued.Id);
        request.EventId.ShouldBe(queued.EventId.ToString());
        var ping = JsonSerializer.Deserialize<WebhookPing>(request.Body, ApiFixture.JsonOptions)!;
        (ping.Id, ping.Type, ping.Subject, ping.Data.Url).ShouldBe((queued.EventId, WebhookPing.Name, new EventSubject("webhook", webhook.Id), receiver.Url), request.Body);
        ping.Data.EventTypes.ShouldBe(["booking.*"]);
        // As the contract's webhooks section tells a receiver.
        var (headers, requiredData) = Contract.Webhook(WebhookPing.Name);
        headers.Keys.ShouldBe([WebhookSignature.Header, WebhookDeliveryWorker.EventIdHeader, WebhookDeliveryWorker.DeliveryIdHeader], ignoreOrder: true);
        using var body = JsonDocument.Parse(request.Body);
        foreach (var field in requiredData) body.RootElement.GetProperty("data").TryGetProperty(field, out var _).ShouldBeTrue($"a ping without {field}");
        var delivered = (await DeliveriesAsync(client, webhook.Id)).ShouldHaveSingleItem();
        delivered.Id.ShouldBe(queued.Id);
        delivered.Status.ShouldBe(WebhookDeliveryStatus.Delivered);
        delivered.Attempts.ShouldHaveSingleItem().StatusCode.ShouldBe(204);
        (await DeliveriesAsync(client, sibling.Id)).ShouldBeEmpty();
        // The Location reads the delivery alone, to its owner only.
        var read = (await client.GetFromJsonAsync<WebhookDeliveryResponse>(response.Headers.Location, ApiFixture.JsonOptions))!;
        (read.Id, read.Status, read.Attempts.Count).ShouldBe((queued.Id, WebhookDeliveryStatus.Delivered, 1));
        var stranger = await api.RegisterAsync(OrganizationKind.Company);
        await (await stranger.Client.GetAsync(response.Headers.Location)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.GetAsync($"/v1/webhooks/{sibling.Id}/deliveries/{queued.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Another_organization_gets_404_for_a_ping_of_a_webhook_not_its_own_or_deleted_and_nothing_is_queued()
    {
        var owner = await api.RegisterAsync(OrganizationKind.Company);
        var stranger = await api.RegisterAsync(OrganizationKind.Company);
        var webhook = await CreateAsync(owner.Client, "https://hooks.example.com/ping", "booking.*");

        await (await PingAsync(stranger.Client, webhook.Id)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await PingAsync(owner.Client, "whk_unknown")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        (await api.CountAsync("select count(*) from webhook_deliveries where webhook_id = $1", webhook.Id)).ShouldBe(0);
        (await AcceptedAsync(await PingAsync(api.Operator, webhook.Id))).EventType.ShouldBe(WebhookPing.Name);

        (await owner.Client.DeleteAsync($"/v1/webhooks/{webhook.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await (await PingAsync(owner.Client, webhook.Id)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        (await api.CountAsync("select count(*) from webhook_deliveries where webhook_id = $1", webhook.Id)).ShouldBe(1);
    }

    [Fact]
    public async Task A_retried_ping_with_the_same_idempotency_key_queues_one_delivery_and_answers_it_again()
    {
        var owner = await api.RegisterAsync(OrganizationKind.Company);
        var webhook = await CreateAsync(owner.Client, "https://hooks.example.com/ping", "booking.*");
        var key = Guid.NewGuid().ToString();

        var first = await AcceptedAsync(await PingAsync(owner.Client, webhook.Id, key));
        var retried = await AcceptedAsync(await PingAsync(owner.Client, webhook.Id, key));

        retried.Id.ShouldBe(first.Id);
        (await api.CountAsync("select count(*) from webhook_deliveries where webhook_id = $1", webhook.Id)).ShouldBe(1);
        (await AcceptedAsync(await PingAsync(owner.Client, webhook.Id))).Id.ShouldNotBe(first.Id);
    }

    [Fact]
    public async Task A_ping_whose_answer_was_lost_in_a_crash_after_the_commit_is_not_queued_again_by_its_retry()
    {
        var owner = await api.RegisterAsync(OrganizationKind.Company);
        var webhook = await CreateAsync(owner.Client, "https://hooks.example.com/ping", "booking.*");
        var key = LostAnswerKey();

        await api.RetryAfterAnAnswerLostAsync(owner.Client, () => new(HttpMethod.Post, $"/v1/webhooks/{webhook.Id}/ping") { Headers = { { "Idempotency-Key", key } } }, key);

        (await api.CountAsync("select count(*) from webhook_deliveries where webhook_id = $1", webhook.Id)).ShouldBe(1);
    }

    [Fact]
    public async Task No_webhook_subscribes_to_pings()
    {
        var owner = await api.RegisterAsync(OrganizationKind.Company);

        var refused = await owner.Client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest("https://hooks.example.com/ping", [WebhookPing.Name]), ApiFixture.JsonOptions);

        var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        problem.GetProperty("errors").TryGetProperty("eventTypes[0]", out _).ShouldBeTrue(problem.ToString());
    }
}
