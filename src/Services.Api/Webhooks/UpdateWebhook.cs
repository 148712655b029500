using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;
using Services.EventStore;

namespace Services.Api.Webhooks;

/// <summary>Only the fields given change.</summary>
/// <param name="Url">Where deliveries go from now on, pending ones included.</param>
/// <param name="EventTypes">The event names it receives from now on: exact names, a stream's events (booking.*) or all (*), each matching an event that can reach the webhook's organization's kind, as on registration (the operator editing another's webhook: that organization's kind).</param>
/// <param name="Description">The organization's own note; an empty one removes it.</param>
/// <param name="Status">
/// disabled: nothing is sent to it from now on, and no delivery is queued for the events meanwhile (catch up on those from GET /v1/events);
/// its pending deliveries wait. enabled: it receives the events after this change, and its pending deliveries go out at once, their retries starting afresh.
/// </param>
public sealed record UpdateWebhookRequest(
    [property: StringLength(CreateWebhookRequest.MaxUrl, MinimumLength = 1), LeaveOutToKeep] string? Url = null,
    [property: Length(1, CreateWebhookRequest.MaxEventTypes), LeaveOutToKeep("Send [\"*\"] to receive every event.")] IReadOnlyList<string>? EventTypes = null,
    [property: MaxLength(CreateWebhookRequest.MaxDescription), LeaveOutToKeep("Send \"\" to remove the description.")] string? Description = null,
    [property: LeaveOutToKeep("Send \"disabled\" to stop its deliveries, \"enabled\" to resume them.")] WebhookStatus? Status = null)
{
    public Validation Validate(WebhookOptions options, EventTypeRegistry registry, OrganizationKind receiver)
    {
        var validation = new Validation();
        if (Url is not null) CreateWebhookRequest.ValidateUrl(validation, Url, options);
        if (EventTypes is not null) CreateWebhookRequest.ValidateEventTypes(validation, EventTypes, registry, receiver);
        validation.Text("description", Description, CreateWebhookRequest.MaxDescription, required: false);
        return validation;
    }
}

public static class UpdateWebhookEndpoint
{
    public static void MapUpdateWebhook(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapPatch("/{webhookId}", Handle)
            .WithName("updateWebhook")
            .WithSummary("Change a webhook's URL, event types, description or status")
            .WithDescription(
                "Only the fields given change; an edit that changes nothing keeps the version. A new URL takes the pending deliveries too, " +
                "so a receiver moves without losing any; new event types apply to the events processed after the change (the change feed's " +
                "lag, usually well under a second). status disabled switches it off without deleting it (a receiver down for maintenance, or " +
                "misbehaving): nothing is sent to it, its pending deliveries keep their place, and no delivery is queued for the events meanwhile, " +
                "not even later: catch up on those from the change feed (GET /v1/events). status enabled switches it back on: it receives the events " +
                "after the change, and its pending deliveries go out at once with their retries starting afresh, so that a long pause does not use them up. " +
                "The signing secret stays (see rotateWebhookSecret). " +
                "Send the ETag as If-Match to change only what you read.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AcceptsIfMatch(writesEvents: false);

    private static async Task<Results<Ok<WebhookResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string webhookId, UpdateWebhookRequest request, Caller caller, NpgsqlDataSource db, EventStore.EventStore store, IOptions<WebhookOptions> options,
        TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var (found, expectedVersion, refused) = await WebhookEndpoints.FindToChangeAsync(db, webhookId, caller, ifMatch, cancellationToken);
        if (found is null) return refused!;
        // The operator edits any organization's webhook: its types are those that reach its owner.
        var owner = (caller.IsOperator ? await WebhookEndpoints.OwnerKindAsync(db, webhookId, cancellationToken) : null) ?? caller.Kind;
        var validation = request.Validate(options.Value, store.Registry, owner);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var current = found.Webhook;
        var edited = current with
        {
            Url = request.Url ?? current.Url,
            EventTypes = request.EventTypes is null ? current.EventTypes : [.. request.EventTypes.Distinct(StringComparer.Ordinal)],
            Description = request.Description is null ? current.Description : request.Description.Trim() is { Length: > 0 } note ? note : null,
            Status = request.Status ?? current.Status,
        };
        if (edited.Url == current.Url && edited.EventTypes.SequenceEqual(current.EventTypes, StringComparer.Ordinal) && edited.Description == current.Description
            && edited.Status == current.Status)
        {
            // Nothing changes: the version stays, so that others' ETags do too.
            ETags.Set(http.Response, found.Version);
            return TypedResults.Ok(current);
        }
        // At the version read when If-Match named one; an unconditional edit applies to whatever is current, and
        // changes only the fields it gives (a concurrent edit of the others stands).
        // Enabled again, it gets the events of the transactions that begin after this one, as a new webhook does: those of
        // its pause are not queued, even by an outbox running behind. Its pending deliveries are due now, with a fresh
        // schedule, rather than counting the pause against their attempts. Both read the row as this statement locked it.
        const string update = $"""
            with changed as (
                update webhooks set url = coalesce($3, url), event_types = coalesce($4, event_types),
                    description = case when $6 then $5 else description end,
                    disabled_at = case $7::text when 'disabled' then coalesce(disabled_at, $8) when 'enabled' then null else disabled_at end,
                    after_xid = case when $7 = 'enabled' and disabled_at is not null then pg_current_xact_id() else after_xid end,
                    after_position = case when $7 = 'enabled' and disabled_at is not null then 0 else after_position end,
                    version = version + 1
                where webhook_id = $1 and deleted_at is null and ($2::bigint is null or version = $2)
                returning {WebhookEndpoints.WebhookColumns}, after_xid = pg_current_xact_id() as resumed
            ), restarted as (
                update webhook_deliveries set next_attempt_at = $8, schedule_start = attempts
                where webhook_id = (select webhook_id from changed where resumed) and status = 'pending'
            )
            select {WebhookEndpoints.WebhookColumns} from changed
            """;
        object?[] values =
        [
            webhookId, expectedVersion, request.Url, request.EventTypes is null ? null : edited.EventTypes.ToArray(),
            edited.Description, request.Description is not null, request.Status is { } status ? WireName.Of(status) : null, time.GetUtcNow().ToUniversalTime(),
        ];
        if (await WebhookChange.RunAsync(db, Writes.Metadata(http, caller), update, values, WebhookEndpoints.ReadWebhook, cancellationToken) is { } updated)
        {
            ETags.Set(http.Response, updated.Version);
            return TypedResults.Ok(updated.Webhook);
        }
        return await WebhookEndpoints.LostChangeAsync(db, webhookId, caller, cancellationToken);
    }
}
