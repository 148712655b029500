using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Infrastructure;
using Services.Api.Listings;
using Services.Api.Security;
using Services.EventStore;

namespace Services.Api.Webhooks;

/// <summary>Only the fields given change.</summary>
/// <param name="Url">Where deliveries go from now on, pending ones included.</param>
/// <param name="EventTypes">The event names it receives from now on: exact names, a stream's events (booking.*) or all (*).</param>
/// <param name="Description">The organization's own note; an empty one removes it.</param>
public sealed record UpdateWebhookRequest(
    [property: StringLength(CreateWebhookRequest.MaxUrl, MinimumLength = 1)] string? Url = null,
    [property: Length(1, CreateWebhookRequest.MaxEventTypes)] IReadOnlyList<string>? EventTypes = null,
    [property: MaxLength(CreateWebhookRequest.MaxDescription)] string? Description = null)
{
    public Validation Validate(WebhookOptions options, EventTypeRegistry registry)
    {
        var validation = new Validation();
        if (Url is not null) CreateWebhookRequest.ValidateUrl(validation, Url, options);
        if (EventTypes is not null) CreateWebhookRequest.ValidateEventTypes(validation, EventTypes, registry);
        validation.Text("description", Description, CreateWebhookRequest.MaxDescription, required: false);
        return validation;
    }
}

public static class UpdateWebhookEndpoint
{
    public static void MapUpdateWebhook(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapPatch("/{webhookId}", Handle)
            .WithName("updateWebhook")
            .WithSummary("Change a webhook's URL, event types or description")
            .WithDescription(
                "Only the fields given change. A new URL takes the pending deliveries too, so a receiver moves without losing any; " +
                "new event types apply to the events that follow. The signing secret stays (see rotateWebhookSecret). " +
                "Send the ETag as If-Match to change only what you read.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AcceptsIfMatch();

    private static async Task<Results<Ok<WebhookResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string webhookId, UpdateWebhookRequest request, Caller caller, NpgsqlDataSource db, EventStore.EventStore store, IOptions<WebhookOptions> options,
        HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var validation = request.Validate(options.Value, store.Registry);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (await WebhookEndpoints.FindAsync(db, webhookId, caller, cancellationToken) is not { } found) return Problems.NotFound("webhook");
        if (!ifMatch.Allows(found.Version)) return Problems.StaleVersion(found.Version);
        string[]? eventTypes = request.EventTypes is null ? null : [.. request.EventTypes.Distinct(StringComparer.Ordinal)];
        var update = ReadModelSql.BatchCommand($"""
            update webhooks set url = coalesce($3, url), event_types = coalesce($4, event_types),
                description = case when $5::text is null then description else nullif($5, '') end, version = version + 1
            where webhook_id = $1 and deleted_at is null and version = $2
            returning {WebhookEndpoints.WebhookColumns}
            """, webhookId, found.Version, request.Url, eventTypes, request.Description?.Trim());
        // With the Idempotency-Key's reservation, as every change.
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(update);
        foreach (var reservation in Idempotency.Reserve(Writes.Metadata(http, caller))) batch.BatchCommands.Add(reservation);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                var updated = new WebhookResponse(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.NullableString(3),
                    reader.GetFieldValue<DateTimeOffset>(4));
                ETags.Set(http.Response, reader.GetInt64(5));
                return TypedResults.Ok(updated);
            }
        }
        // Edited or deleted since it was read.
        return await WebhookEndpoints.FindAsync(db, webhookId, caller, cancellationToken) is { } now ? Problems.StaleVersion(now.Version) : Problems.NotFound("webhook");
    }
}
