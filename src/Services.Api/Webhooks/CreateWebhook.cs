using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.EventStore;

namespace Services.Api.Webhooks;

/// <param name="Url">Where deliveries are POSTed: https:// (plain http only to loopback where the configuration allows it).</param>
/// <param name="EventTypes">Exact event names (<c>booking.confirmed</c>), a stream's events (<c>booking.*</c>) or all (<c>*</c>), each matching an event that can reach the caller's kind of organization (as in the change feed; the operator receives all): an entry that matches none is refused with those it can.</param>
/// <param name="Description">The organization's own note about it (which tool, who to call).</param>
public sealed record CreateWebhookRequest(
    [property: StringLength(CreateWebhookRequest.MaxUrl, MinimumLength = 1)] string Url,
    [property: Length(1, CreateWebhookRequest.MaxEventTypes)] IReadOnlyList<string> EventTypes,
    [property: MaxLength(CreateWebhookRequest.MaxDescription)] string? Description = null)
{
    public const int MaxUrl = 2048;
    public const int MaxEventTypes = 50;
    public const int MaxDescription = 500;

    /// <param name="receiver">The kind of the organization registering it: it may ask only for events that can reach it.</param>
    public Validation Validate(WebhookOptions options, EventTypeRegistry registry, OrganizationKind receiver)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        var validation = new Validation();
        ValidateUrl(validation, Url, options);
        ValidateEventTypes(validation, EventTypes, registry, receiver);
        validation.Text("description", Description, MaxDescription, required: false);
        return validation;
    }

    internal static void ValidateUrl(Validation validation, string? url, WebhookOptions options)
    {
        if (validation.Text("url", url, MaxUrl).IsValid && options.Refuse(url!) is { } why) validation.Add("url", why);
    }

    internal static void ValidateEventTypes(Validation validation, IReadOnlyList<string>? eventTypes, EventTypeRegistry registry, OrganizationKind receiver)
    {
        if (eventTypes is null || eventTypes.Count == 0) validation.Add("eventTypes", "At least one event type is required.");
        else if (eventTypes.Count > MaxEventTypes) validation.Add("eventTypes", $"At most {MaxEventTypes} event types; got {eventTypes.Count}.");
        else
        {
            var receivable = new ReceivableEventTypes(registry, receiver);
            for (var i = 0; i < eventTypes.Count; i++)
            {
                if (receivable.Refuse(eventTypes[i] ?? "") is { } why) validation.Add($"eventTypes[{i}]", why);
            }
        }
    }
}

/// <param name="Secret">The signing secret, shown only in this answer: keep it to verify the Services-Signature header.</param>
/// <param name="Id">The webhook's id (`whk_…`).</param>
/// <param name="Url">Where deliveries are POSTed.</param>
/// <param name="EventTypes">The event names it receives: exact names, a stream's events (booking.*) or all (*).</param>
/// <param name="Description">The organization's own note about it; null when none was given.</param>
/// <param name="CreatedAt">When it was registered (UTC); it receives the events after that.</param>
/// <param name="Status">enabled: a webhook is registered enabled (PATCH status disables it). Absent only from an answer replayed under an Idempotency-Key kept before webhooks could be disabled.</param>
/// <param name="DisabledAt">When it was disabled: null, as it is enabled.</param>
/// <param name="OrganizationId">The organization that registered it (`org_…`), as getWebhook and the list name it. Absent only from an answer replayed under an Idempotency-Key kept before this field was added.</param>
public sealed record CreatedWebhookResponse(
    string Id, string Url, IReadOnlyList<string> EventTypes, string? Description, DateTimeOffset CreatedAt, string Secret,
    [property: AddedLater] WebhookStatus Status, [property: AddedLater] DateTimeOffset? DisabledAt, [property: AddedLater] string? OrganizationId);

public static class CreateWebhookEndpoint
{
    public static void MapCreateWebhook(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapPost("", Handle)
            .WithName("createWebhook")
            .AnswersWithVersion(writesEvents: false)
            .WithSummary("Register a webhook")
            .WithDescription(
                "Events the caller may see (as in the change feed) whose type matches eventTypes are POSTed to url as JSON " +
                "{id, type, subject, streamId, occurredAt, position, data}, with headers Services-Signature (t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\" " +
                "keyed with the secret>), Services-Event-Id and Services-Delivery-Id. Only events after the registration are sent. Any 2xx " +
                "answer is a success; otherwise the delivery is retried with exponential back-off over about a day. Delivery is at least " +
                "once: de-duplicate on the event id. Each entry of eventTypes must match an event that can reach the caller's kind of organization " +
                "(a company never gets slot.waitlist_left, only the operator demo.*): one that matches none is refused (400 naming eventTypes[i], " +
                "with the types this kind receives). The secret is shown only in this answer. An organization has at most " +
                $"{WebhookOptions.DefaultMaxPerOrganization} webhooks (409 webhook_limit_reached: delete one first).")
            .ProducesValidationProblem()
            .Refuses("webhook_limit_reached");

    private static async Task<Results<Created<CreatedWebhookResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        CreateWebhookRequest request, Caller caller, NpgsqlDataSource db, EventStore.EventStore store, IOptions<WebhookOptions> options,
        MasterKey masterKey, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = request.Validate(options.Value, store.Registry, caller.Kind);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var id = Ids.New(Ids.Webhook);
        var secret = WebhookEndpoints.NewSecret();
        var keys = await ListEventsEndpoint.KeysAsync(caller, store, cancellationToken);
        var createdAt = time.GetUtcNow();
        string[] eventTypes = [.. request.EventTypes.Distinct(StringComparer.Ordinal)];
        // Each webhook gets a delivery per event it matches: a bounded number per organization, counted
        // under a lock of the organization's webhooks so that simultaneous registrations cannot pass it together.
        var counted = ReadModelSql.BatchCommand("select pg_advisory_xact_lock(hashtextextended('webhooks:' || $1, 0))", caller.OrganizationId);
        // It gets the events of the transactions that begin after its own (after_xid, at its first
        // position). The outbox reads a transaction's events only once every older one has ended, this
        // one included: none of them can be passed over before the webhook is there to match them.
        var insert = ReadModelSql.BatchCommand("""
            insert into webhooks (webhook_id, organization_id, organization_kind, sees_all, audience_keys, url, event_types, description, sealed_secret, after_xid, after_position, created_at)
            select $1, $2, $10, $3, $4, $5, $6, $7::text, $8, pg_current_xact_id(), 0, $9
            where (select count(*) from webhooks where organization_id = $2 and deleted_at is null) < $11
            """,
            id, caller.OrganizationId, caller.IsOperator, keys.ToArray(), request.Url, eventTypes, request.Description, WebhookSecrets.Seal(masterKey, id, secret),
            createdAt.ToUniversalTime(), WireName.Of(caller.Kind), options.Value.MaxPerOrganization);
        // One transaction with the Idempotency-Key's reservation, as for events: two retries racing
        // each other make one webhook, not two with different secrets.
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(counted);
        batch.BatchCommands.Add(insert);
        foreach (var reservation in Idempotency.Reserve(Writes.Metadata(http, caller))) batch.BatchCommands.Add(reservation);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (insert.RecordsAffected == 0)
            return Problems.Refused(new Refusal("webhook_limit_reached",
                $"This organization already has {options.Value.MaxPerOrganization} webhooks; delete one it no longer uses first."));
        ETags.Set(http.Response, WebhookResponse.FirstVersion);
        return TypedResults.Created($"/v1/webhooks/{id}",
            new CreatedWebhookResponse(id, request.Url, eventTypes, request.Description, createdAt, secret, WebhookStatus.Enabled, null, caller.OrganizationId));
    }
}
