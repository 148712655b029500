using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Webhooks;

/// <param name="Attempt">Its number among the delivery's attempts, from 1.</param>
/// <param name="DurationMs">How long the attempt took, in milliseconds.</param>
/// <param name="StatusCode">The receiver's HTTP status, or null when no answer came (timeout, connection error).</param>
/// <param name="Error">Why it failed; null when it succeeded.</param>
/// <param name="AttemptedAt">When the request was sent (UTC).</param>
public sealed record WebhookAttemptResponse(int Attempt, DateTimeOffset AttemptedAt, int? StatusCode, int DurationMs, string? Error);

/// <summary>Where a delivery stands: pending (to be sent at nextAttemptAt), delivered, or failed (attempts exhausted; redeliver to try again).</summary>
public enum WebhookDeliveryStatus { Pending, Delivered, Failed }

/// <param name="Id">The delivery: one event to one webhook (dlv_…), sent as the Services-Delivery-Id header.</param>
/// <param name="EventId">The event delivered, as in the change feed and the Services-Event-Id header; for a ping, the ping's own id (it is not in the feed).</param>
/// <param name="AttemptCount">Attempts made so far, redeliveries included.</param>
/// <param name="NextAttemptAt">When it will be tried next, while pending; null otherwise.</param>
/// <param name="LastError">
/// Why it has not gone out: the last attempt's error, or, with no attempt made, why it waits (its webhook's signing
/// secret cannot be opened until the platform's operator restores a master key: it goes out then, its attempts uncounted
/// meanwhile), or `webhook deleted` for one its webhook's deletion ended unsent. Null before the first attempt and once an attempt got through.
/// </param>
/// <param name="DeliveredAt">When a receiver last answered 2xx (a redelivery moves it); null until one did.</param>
/// <param name="CreatedAt">When the event happened: the deliveries' order, newest first.</param>
/// <param name="Attempts">Every attempt, oldest first.</param>
/// <param name="EventType">The event's name, e.g. booking.confirmed; webhook.ping for a ping (POST /v1/webhooks/{webhookId}/ping).</param>
/// <param name="Status">pending (to be tried, or retried at nextAttemptAt), delivered (a receiver answered 2xx) or failed (its attempts ran out: redeliver it).</param>
public sealed record WebhookDeliveryResponse(
    string Id,
    Guid EventId,
    string EventType,
    WebhookDeliveryStatus Status,
    int AttemptCount,
    DateTimeOffset? NextAttemptAt,
    [property: AddedLater] string? LastError,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset CreatedAt,
    IReadOnlyList<WebhookAttemptResponse> Attempts);

public static class WebhookDeliveriesEndpoints
{
    public static void MapListWebhookDeliveries(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapGet("/{webhookId}/deliveries", ListAsync)
            .WithName("listWebhookDeliveries")
            .WithSummary("List a webhook's deliveries")
            .WithDescription("Newest event first, each with its attempts (status code, duration, error, time) and lastError: why it has not gone out, " +
                "also when it waits without an attempt (its signing secret cannot be opened until the platform's operator restores a key). Cursor pagination; filter by status.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static void MapGetWebhookDelivery(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapGet("/{webhookId}/deliveries/{deliveryId}", GetAsync)
            .WithName("getWebhookDelivery")
            .WithSummary("Read a webhook's delivery")
            .WithDescription("One delivery, as the list shows it: its status, attempts and lastError. The Location of a ping or a redelivery, to follow its outcome.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static void MapRedeliverWebhookDelivery(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapPost("/{webhookId}/deliveries/{deliveryId}/redeliver", RedeliverAsync)
            .WithName("redeliverWebhookDelivery")
            .WithSummary("Send a delivery again")
            .WithDescription("Queues the delivery to be sent now (same event id and body, a new signature), with a fresh retry schedule, whatever its status. " +
                "Answers 202 with the delivery; Location is the delivery (getWebhookDelivery), where its attempts show. " +
                "A disabled webhook is refused (409 webhook_disabled): enable it first, which also sends its pending deliveries.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses(WebhookEndpoints.DisabledCode);

    private static async Task<Results<Ok<Page<WebhookDeliveryResponse>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string webhookId,
        [Description("pending, delivered or failed."), OneOf(typeof(WebhookDeliveryStatus))] string? status,
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, WebhookEndpoints.DeliveryPrefix, out var pageSize, out var cursor);
        var statusFilter = validation.Filter<WebhookDeliveryStatus>("status", status);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (await WebhookEndpoints.FindAsync(db, webhookId, caller, cancellationToken) is null) return Problems.NotFound("webhook");
        var rows = await ReadDeliveriesAsync(db, webhookId, null, statusFilter, cursor, pageSize + 1, cancellationToken);
        return TypedResults.Ok(PageCursor.ToPage(rows, pageSize, d => new PageCursor(d.CreatedAt, d.Id)));
    }

    private static async Task<Results<Ok<WebhookDeliveryResponse>, ProblemHttpResult>> GetAsync(
        string webhookId, string deliveryId, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (await WebhookEndpoints.FindAsync(db, webhookId, caller, cancellationToken) is null) return Problems.NotFound("webhook");
        var found = await ReadDeliveriesAsync(db, webhookId, deliveryId, null, null, 1, cancellationToken);
        return found.Count == 0 ? Problems.NotFound("delivery") : TypedResults.Ok(found[0]);
    }

    /// <summary>Where a queued delivery is read: the Location of a ping or a redelivery.</summary>
    internal static string Location(string webhookId, string deliveryId) => $"/v1/webhooks/{webhookId}/deliveries/{deliveryId}";

    private static async Task<Results<Accepted<WebhookDeliveryResponse>, ProblemHttpResult>> RedeliverAsync(
        string webhookId, string deliveryId, Caller caller, NpgsqlDataSource db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (await WebhookEndpoints.FindAsync(db, webhookId, caller, cancellationToken) is not { } found) return Problems.NotFound("webhook");
        if (found.Webhook.Status == WebhookStatus.Disabled) return WebhookEndpoints.Disabled(webhookId);
        const string redeliver = """
            update webhook_deliveries set status = 'pending', next_attempt_at = $3, schedule_start = attempts, redeliveries = redeliveries + 1
            where webhook_id = $1 and delivery_id = $2
            returning delivery_id
            """;
        // With the Idempotency-Key's reservation: a retry after an answer lost in a crash does not send it once more.
        if (await WebhookChange.RunAsync(db, Writes.Metadata(http, caller), redeliver, [webhookId, deliveryId, time.GetUtcNow().ToUniversalTime()],
                row => row.GetString(0), cancellationToken) is null)
            return Problems.NotFound("delivery");
        return TypedResults.Accepted(Location(webhookId, deliveryId), await ReadDeliveryAsync(db, webhookId, deliveryId, cancellationToken));
    }

    /// <summary>One delivery of the webhook, known to be there.</summary>
    internal static async Task<WebhookDeliveryResponse> ReadDeliveryAsync(NpgsqlDataSource db, string webhookId, string deliveryId, CancellationToken cancellationToken) =>
        (await ReadDeliveriesAsync(db, webhookId, deliveryId, null, null, 1, cancellationToken)).Single();

    private static async Task<List<WebhookDeliveryResponse>> ReadDeliveriesAsync(
        NpgsqlDataSource db, string webhookId, string? deliveryId, WebhookDeliveryStatus? status, PageCursor? cursor, int limit, CancellationToken cancellationToken)
    {
        var filters = new QueryFilters(webhookId, limit);
        if (deliveryId is not null) filters.And($"d.delivery_id = {filters.Parameter(deliveryId)}");
        if (status is { } s) filters.And($"d.status = {filters.Parameter(Wire(s))}");
        if (cursor is { } k) filters.And($"(d.created_at, d.delivery_id) < ({filters.Parameter(Utc(k.At))}, {filters.Parameter(k.Id)})");
        await using var command = ReadModelSql.Command(db, $"""
            select d.delivery_id, d.event_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.delivered_at, d.created_at, d.last_error,
                   coalesce((select json_agg(json_build_object('attempt', a.attempt, 'attemptedAt', a.attempted_at, 'statusCode', a.status_code,
                                 'durationMs', a.duration_ms, 'error', a.error) order by a.attempt)
                             from webhook_attempts a where a.delivery_id = d.delivery_id), '[]')::text
            from webhook_deliveries d
            where d.webhook_id = $1{filters.Conditions}
            order by d.created_at desc, d.delivery_id desc
            limit $2
            """, filters.Values);
        var rows = new List<WebhookDeliveryResponse>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var attempts = JsonSerializer.Deserialize<List<AttemptRow>>(reader.GetString(9), AttemptJson)!;
            rows.Add(new WebhookDeliveryResponse(reader.GetString(0), reader.GetGuid(1), reader.GetString(2), Parse<WebhookDeliveryStatus>(reader.GetString(3))!.Value, reader.GetInt32(4),
                reader.Nullable<DateTimeOffset>(5), reader.NullableString(8), reader.Nullable<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7),
                [.. attempts.Select(a => new WebhookAttemptResponse(a.Attempt, a.AttemptedAt.ToUniversalTime(), a.StatusCode, a.DurationMs, a.Error))]));
        }
        return rows;
    }

    private static readonly JsonSerializerOptions AttemptJson = new(JsonSerializerDefaults.Web);

    private sealed record AttemptRow(int Attempt, DateTimeOffset AttemptedAt, int? StatusCode, int DurationMs, string? Error);
}
