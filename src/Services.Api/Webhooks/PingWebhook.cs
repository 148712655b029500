using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Feed;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Webhooks;

/// <summary>The webhook pinged as it was when the ping was asked.</summary>
/// <param name="Url">Where the webhook sends its deliveries, when the ping was asked.</param>
/// <param name="EventTypes">The event types the webhook receives, when the ping was asked.</param>
public sealed record WebhookPingData(string Url, IReadOnlyList<string> EventTypes);

/// <summary>
/// The body of a ping: the envelope of an event's delivery without streamId and position, since a ping is not an event of
/// the store (it is not in the change feed, and no webhook subscribes to it).
/// </summary>
/// <param name="Id">The ping's id, also in the Services-Event-Id header and as the delivery's eventId.</param>
/// <param name="Type">Always <c>webhook.ping</c>.</param>
/// <param name="Subject">The webhook pinged: <c>{"type": "webhook", "id": "whk_…"}</c>.</param>
/// <param name="OccurredAt">When the ping was asked (UTC).</param>
/// <param name="Data">The webhook as it was when the ping was asked.</param>
public sealed record WebhookPing(Guid Id, string Type, EventSubject Subject, DateTimeOffset OccurredAt, WebhookPingData Data)
{
    public const string Name = "webhook.ping";

    public static WebhookPing Of(WebhookResponse webhook, Guid id, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return new(id, Name, new EventSubject("webhook", webhook.Id), at.ToUniversalTime(), new WebhookPingData(webhook.Url, webhook.EventTypes));
    }

    /// <summary>The delivery's body, written as events' bodies are.</summary>
    public string Body() => JsonSerializer.Serialize(this, WebhookOutboxProjection.BodyJson);
}

public static class PingWebhookEndpoint
{
    public static void MapPingWebhook(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapPost("/{webhookId}/ping", Handle)
            .WithName("pingWebhook")
            .WithSummary("Send a test delivery to a webhook")
            .WithDescription(
                $"Queues a {WebhookPing.Name} delivery to this webhook only, whatever its eventTypes, to be sent now: signed, retried and listed as " +
                "any other delivery, so that a receiver can be checked end to end (its URL, its signature check, its answer). Its body is the " +
                "envelope of an event without streamId and position ({id, type: \"webhook.ping\", subject: {type: \"webhook\", id}, occurredAt, " +
                "data: {url, eventTypes}}): a ping is not an event, it is not in the change feed and no webhook can subscribe to it. Answers 202 with " +
                "the delivery; Location is the delivery (getWebhookDelivery), where its attempts (status code, error) show. Send an Idempotency-Key so that " +
                "a retried request queues one ping, not two. A disabled webhook is refused (409 webhook_disabled): enable it first.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses(WebhookEndpoints.DisabledCode);

    private static async Task<Results<Accepted<WebhookDeliveryResponse>, ProblemHttpResult>> Handle(
        string webhookId, Caller caller, NpgsqlDataSource db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (await WebhookEndpoints.FindAsync(db, webhookId, caller, cancellationToken) is not { } found) return Problems.NotFound("webhook");
        if (found.Webhook.Status == WebhookStatus.Disabled) return WebhookEndpoints.Disabled(webhookId);
        var now = time.GetUtcNow();
        var ping = WebhookPing.Of(found.Webhook, Guid.CreateVersion7(now), now);
        // No event_position: a ping has no place in the feed.
        var queue = $"""
            insert into webhook_deliveries (delivery_id, webhook_id, event_id, event_type, body, status, next_attempt_at, created_at)
            select {WebhookOutboxProjection.DeliveryIdSql("webhook_id", "$2")}, webhook_id, $2, $3, $4, 'pending', $5, $5
            from webhooks where webhook_id = $1 and deleted_at is null and ($6 or organization_id = $7)
            returning delivery_id
            """;
        object?[] values = [webhookId, ping.Id, WebhookPing.Name, ping.Body(), ping.OccurredAt, caller.IsOperator, caller.OrganizationId];
        // With the Idempotency-Key's reservation: a retry after an answer lost in a crash does not queue a second ping.
        if (await WebhookChange.RunAsync(db, Writes.Metadata(http, caller), queue, values, row => row.GetString(0), cancellationToken) is not { } deliveryId)
            return Problems.NotFound("webhook");
        return TypedResults.Accepted(WebhookDeliveriesEndpoints.Location(webhookId, deliveryId), await WebhookDeliveriesEndpoints.ReadDeliveryAsync(db, webhookId, deliveryId, cancellationToken));
    }
}
