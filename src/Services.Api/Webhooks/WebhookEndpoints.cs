using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Infrastructure;
using Services.Api.Listings;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.EventStore;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Webhooks;

/// <param name="Url">Where deliveries are POSTed: https:// (plain http only to loopback where the configuration allows it).</param>
/// <param name="EventTypes">Exact event names (<c>booking.confirmed</c>), a stream's events (<c>booking.*</c>) or all (<c>*</c>).</param>
public sealed record CreateWebhookRequest(
    [property: StringLength(CreateWebhookRequest.MaxUrl, MinimumLength = 1)] string Url,
    [property: Length(1, CreateWebhookRequest.MaxEventTypes)] IReadOnlyList<string> EventTypes,
    [property: MaxLength(CreateWebhookRequest.MaxDescription)] string? Description = null)
{
    public const int MaxUrl = 2048;
    public const int MaxEventTypes = 50;
    public const int MaxDescription = 500;

    public Validation Validate(WebhookOptions options, EventTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        var validation = new Validation();
        ValidateUrl(validation, Url, options);
        ValidateEventTypes(validation, EventTypes, registry);
        validation.Text("description", Description, MaxDescription, required: false);
        return validation;
    }

    internal static void ValidateUrl(Validation validation, string? url, WebhookOptions options)
    {
        if (validation.Text("url", url, MaxUrl).IsValid && options.Refuse(url!) is { } why) validation.Add("url", why);
    }

    internal static void ValidateEventTypes(Validation validation, IReadOnlyList<string>? eventTypes, EventTypeRegistry registry)
    {
        if (eventTypes is null || eventTypes.Count == 0) validation.Add("eventTypes", "At least one event type is required.");
        else if (eventTypes.Count > MaxEventTypes) validation.Add("eventTypes", $"At most {MaxEventTypes} event types; got {eventTypes.Count}.");
        else
        {
            for (var i = 0; i < eventTypes.Count; i++)
            {
                var type = eventTypes[i];
                var known = type == "*"
                    || registry.TryGetType(type ?? "", out _)
                    || (type is { Length: > 2 } && type.EndsWith(".*", StringComparison.Ordinal) && registry.Names.Any(n => n.StartsWith(type[..^1], StringComparison.Ordinal)));
                if (!known) validation.Add($"eventTypes[{i}]", "Not an event type: use a name such as 'booking.confirmed', a stream's events such as 'booking.*', or '*'.");
            }
        }
    }
}

/// <param name="Url">Where deliveries are POSTed.</param>
/// <param name="EventTypes">The event names it receives: exact names, a stream's events (booking.*) or all (*).</param>
/// <param name="Description">The organization's own note about it.</param>
public sealed record WebhookResponse(string Id, string Url, IReadOnlyList<string> EventTypes, string? Description, DateTimeOffset CreatedAt)
{
    /// <summary>A webhook's version when registered (its ETag); each edit adds one.</summary>
    public const long FirstVersion = 1;
}

/// <summary>A webhook with its version, the ETag of its answers.</summary>
internal sealed record VersionedWebhook(WebhookResponse Webhook, long Version);

/// <param name="Secret">The signing secret, shown only in this answer: keep it to verify the Services-Signature header.</param>
public sealed record CreatedWebhookResponse(string Id, string Url, IReadOnlyList<string> EventTypes, string? Description, DateTimeOffset CreatedAt, string Secret);

/// <param name="Attempt">Its number among the delivery's attempts, from 1.</param>
/// <param name="DurationMs">How long the attempt took, in milliseconds.</param>
/// <param name="StatusCode">The receiver's HTTP status, or null when no answer came (timeout, connection error).</param>
/// <param name="Error">Why it failed; null when it succeeded.</param>
public sealed record WebhookAttemptResponse(int Attempt, DateTimeOffset AttemptedAt, int? StatusCode, int DurationMs, string? Error);

/// <summary>Where a delivery stands: pending (to be sent at nextAttemptAt), delivered, or failed (attempts exhausted; redeliver to try again).</summary>
public enum WebhookDeliveryStatus { Pending, Delivered, Failed }

/// <param name="Id">The delivery: one event to one webhook (dlv_…), sent as the Services-Delivery-Id header.</param>
/// <param name="EventId">The event delivered, as in the change feed and the Services-Event-Id header.</param>
/// <param name="AttemptCount">Attempts made so far, redeliveries included.</param>
/// <param name="NextAttemptAt">When it will be tried next, while pending; null otherwise.</param>
/// <param name="DeliveredAt">When a receiver last answered 2xx (a redelivery moves it); null until one did.</param>
/// <param name="CreatedAt">When the event happened: the deliveries' order, newest first.</param>
/// <param name="Attempts">Every attempt, oldest first.</param>
public sealed record WebhookDeliveryResponse(
    string Id,
    Guid EventId,
    string EventType,
    WebhookDeliveryStatus Status,
    int AttemptCount,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset CreatedAt,
    IReadOnlyList<WebhookAttemptResponse> Attempts);

public static class WebhookEndpoints
{
    public const string DeliveryPrefix = "dlv";
    public const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<WebhookOptions>(configuration.GetSection("Webhooks"));
        services.AddProjection<WebhookOutboxProjection>();
        services.AddHttpClient(WebhookDeliveryWorker.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptions<WebhookOptions>>().Value;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    UseProxy = false,
                    ConnectCallback = (context, ct) => PublicAddresses.ConnectAsync(context.DnsEndPoint, options.MayDeliverTo, ct),
                };
            });
        services.AddSingleton<WebhookDeliveryWorker>();
        if (!DatabaseExtensions.IsGeneratingDocument) services.AddHostedService(sp => sp.GetRequiredService<WebhookDeliveryWorker>());
        return services;
    }

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder v1)
    {
        var webhooks = v1.MapGroup("/webhooks").WithTags("Webhooks");
        webhooks.MapPost("", Create)
            .WithName("createWebhook")
            .AnswersWithVersion(writesEvents: false)
            .WithSummary("Register a webhook")
            .WithDescription(
                "Events the caller may see (as in the change feed) whose type matches eventTypes are POSTed to url as JSON " +
                "{id, type, streamId, occurredAt, position, data}, with headers Services-Signature (t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\" " +
                "keyed with the secret>), Services-Event-Id and Services-Delivery-Id. Only events after the registration are sent. Any 2xx " +
                "answer is a success; otherwise the delivery is retried with exponential back-off over about a day. Delivery is at least " +
                "once: de-duplicate on the event id. The secret is shown only in this answer. An organization has at most " +
                $"{WebhookOptions.DefaultMaxPerOrganization} webhooks (409 webhook_limit_reached: delete one first).")
            .ProducesValidationProblem()
            .Refuses("webhook_limit_reached");
        webhooks.MapGet("", List)
            .WithName("listWebhooks")
            .WithSummary("List webhooks")
            .WithDescription("The caller's webhooks (the operator: all), newest first, cursor pagination (limit, after → next).")
            .ProducesValidationProblem();
        webhooks.MapGet("/{webhookId}", Get)
            .WithName("getWebhook")
            .AnswersWithVersion()
            .WithSummary("Read a webhook")
            .ProducesProblem(StatusCodes.Status404NotFound);
        webhooks.MapDelete("/{webhookId}", Delete)
            .WithName("deleteWebhook")
            .WithSummary("Delete a webhook")
            .WithDescription("Stops deliveries at once; pending deliveries are dropped. Send the ETag as If-Match to delete only what you read.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(IfMatchHonoured.Instance)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        webhooks.MapUpdateWebhook();
        webhooks.MapRotateWebhookSecret();
        webhooks.MapGet("/{webhookId}/deliveries", ListDeliveries)
            .WithName("listWebhookDeliveries")
            .WithSummary("List a webhook's deliveries")
            .WithDescription("Newest event first, each with its attempts (status code, duration, error, time). Cursor pagination; filter by status.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        webhooks.MapPost("/{webhookId}/deliveries/{deliveryId}/redeliver", Redeliver)
            .WithName("redeliverWebhookDelivery")
            .WithSummary("Send a delivery again")
            .WithDescription("Queues the delivery to be sent now (same event id and body, a new signature), with a fresh retry schedule. Answers 202.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return v1;
    }

    private static async Task<Results<Created<CreatedWebhookResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateWebhookRequest request, Caller caller, NpgsqlDataSource db, EventStore.EventStore store, IOptions<WebhookOptions> options,
        MasterKey masterKey, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = request.Validate(options.Value, store.Registry);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var id = Ids.New(Ids.Webhook);
        var secret = NewSecret();
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
            new CreatedWebhookResponse(id, request.Url, eventTypes, request.Description, createdAt, secret));
    }

    private static async Task<Results<Ok<Page<WebhookResponse>>, ValidationProblem>> List(
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.Webhook, out var pageSize, out var cursor);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        await using var command = ReadModelSql.Command(db, $"""
            select {WebhookColumns} from webhooks
            where deleted_at is null and ($1 or organization_id = $2)
              and ($3::timestamptz is null or (created_at, webhook_id) < ($3, $4::text))
            order by created_at desc, webhook_id desc
            limit $5
            """, caller.IsOperator, caller.OrganizationId, cursor?.At.ToUniversalTime(), cursor?.Id, pageSize + 1);
        var rows = (await ReadWebhooksAsync(command, cancellationToken)).ConvertAll(found => found.Webhook);
        return TypedResults.Ok(PageCursor.ToPage(rows, pageSize, w => new PageCursor(w.CreatedAt, w.Id)));
    }

    private static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> Get(string webhookId, Caller caller, NpgsqlDataSource db, HttpContext http, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, webhookId, caller, cancellationToken) is not { } found) return Problems.NotFound("webhook");
        ETags.Set(http.Response, found.Version);
        return TypedResults.Ok(found.Webhook);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Delete(
        string webhookId, Caller caller, NpgsqlDataSource db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        if (await FindAsync(db, webhookId, caller, cancellationToken) is not { } found) return Problems.NotFound("webhook");
        if (!ifMatch.Allows(found.Version)) return Problems.StaleVersion(found.Version);
        await using var batch = db.CreateBatch();
        // At the version an If-Match was checked on: an edit in between makes it 412, not a deletion of what was not read.
        var delete = new NpgsqlBatchCommand("update webhooks set deleted_at = $3 where webhook_id = $1 and deleted_at is null and ($4 or organization_id = $2) and ($5::bigint is null or version = $5)");
        delete.Parameters.Add(new NpgsqlParameter { Value = webhookId });
        delete.Parameters.Add(new NpgsqlParameter { Value = caller.OrganizationId });
        delete.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow().ToUniversalTime() });
        delete.Parameters.Add(new NpgsqlParameter { Value = caller.IsOperator });
        delete.Parameters.Add(new NpgsqlParameter { Value = ifMatch.NamesVersions ? found.Version : DBNull.Value });
        var drop = new NpgsqlBatchCommand("""
            update webhook_deliveries set status = 'failed', next_attempt_at = null, last_error = coalesce(last_error, 'webhook deleted')
            where webhook_id = $1 and status = 'pending' and exists (select 1 from webhooks where webhook_id = $1 and deleted_at is not null)
            """);
        drop.Parameters.Add(new NpgsqlParameter { Value = webhookId });
        batch.BatchCommands.Add(delete);
        batch.BatchCommands.Add(drop);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (delete.RecordsAffected == 1) return TypedResults.NoContent();
        return await LostChangeAsync(db, webhookId, caller, cancellationToken);
    }

    private static async Task<Results<Ok<Page<WebhookDeliveryResponse>>, ValidationProblem, ProblemHttpResult>> ListDeliveries(
        string webhookId,
        [Description("pending, delivered or failed."), OneOf(typeof(WebhookDeliveryStatus))] string? status,
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, DeliveryPrefix, out var pageSize, out var cursor);
        var statusFilter = validation.Filter<WebhookDeliveryStatus>("status", status);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (await FindAsync(db, webhookId, caller, cancellationToken) is null) return Problems.NotFound("webhook");
        var rows = await ReadDeliveriesAsync(db, webhookId, null, statusFilter, cursor, pageSize + 1, cancellationToken);
        return TypedResults.Ok(PageCursor.ToPage(rows, pageSize, d => new PageCursor(d.CreatedAt, d.Id)));
    }

    private static async Task<Results<Accepted<WebhookDeliveryResponse>, ProblemHttpResult>> Redeliver(
        string webhookId, string deliveryId, Caller caller, NpgsqlDataSource db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, webhookId, caller, cancellationToken) is null) return Problems.NotFound("webhook");
        await using (var command = ReadModelSql.Command(db, """
            update webhook_deliveries set status = 'pending', next_attempt_at = $3, schedule_start = attempts, redeliveries = redeliveries + 1
            where webhook_id = $1 and delivery_id = $2
            """, webhookId, deliveryId, time.GetUtcNow().ToUniversalTime()))
        {
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0) return Problems.NotFound("delivery");
        }
        var delivery = (await ReadDeliveriesAsync(db, webhookId, deliveryId, null, null, 1, cancellationToken)).Single();
        return TypedResults.Accepted($"/v1/webhooks/{webhookId}/deliveries", delivery);
    }

    internal const string WebhookColumns = "webhook_id, url, event_types, description, created_at, version";

    /// <summary>The answer to a change at a version that matched no row: 412 at the webhook's version now, or 404 when it was deleted meanwhile.</summary>
    internal static async Task<ProblemHttpResult> LostChangeAsync(NpgsqlDataSource db, string webhookId, Caller caller, CancellationToken cancellationToken) =>
        await FindAsync(db, webhookId, caller, cancellationToken) is { } now ? Problems.StaleVersion(now.Version) : Problems.NotFound("webhook");

    internal static async Task<VersionedWebhook?> FindAsync(NpgsqlDataSource db, string webhookId, Caller caller, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(db,
            $"select {WebhookColumns} from webhooks where webhook_id = $1 and deleted_at is null and ($2 or organization_id = $3)",
            webhookId, caller.IsOperator, caller.OrganizationId);
        return (await ReadWebhooksAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>A row of <see cref="WebhookColumns"/>.</summary>
    internal static VersionedWebhook ReadWebhook(NpgsqlDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new VersionedWebhook(new WebhookResponse(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.NullableString(3),
            reader.GetFieldValue<DateTimeOffset>(4)), reader.GetInt64(5));
    }

    internal static async Task<List<VersionedWebhook>> ReadWebhooksAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var rows = new List<VersionedWebhook>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) rows.Add(ReadWebhook(reader));
        return rows;
    }

    private static async Task<List<WebhookDeliveryResponse>> ReadDeliveriesAsync(
        NpgsqlDataSource db, string webhookId, string? deliveryId, WebhookDeliveryStatus? status, PageCursor? cursor, int limit, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(db, """
            select d.delivery_id, d.event_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.delivered_at, d.created_at,
                   coalesce((select json_agg(json_build_object('attempt', a.attempt, 'attemptedAt', a.attempted_at, 'statusCode', a.status_code,
                                 'durationMs', a.duration_ms, 'error', a.error) order by a.attempt)
                             from webhook_attempts a where a.delivery_id = d.delivery_id), '[]')::text
            from webhook_deliveries d
            where d.webhook_id = $1
              and ($2::text is null or d.delivery_id = $2)
              and ($3::text is null or d.status = $3)
              and ($4::timestamptz is null or (d.created_at, d.delivery_id) < ($4, $5::text))
            order by d.created_at desc, d.delivery_id desc
            limit $6
            """, webhookId, deliveryId, status is { } s ? Wire(s) : null, cursor?.At.ToUniversalTime(), cursor?.Id, limit);
        var rows = new List<WebhookDeliveryResponse>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var attempts = System.Text.Json.JsonSerializer.Deserialize<List<AttemptRow>>(reader.GetString(8), AttemptJson)!;
            rows.Add(new WebhookDeliveryResponse(reader.GetString(0), reader.GetGuid(1), reader.GetString(2), Parse<WebhookDeliveryStatus>(reader.GetString(3))!.Value, reader.GetInt32(4),
                reader.Nullable<DateTimeOffset>(5), reader.Nullable<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7),
                [.. attempts.Select(a => new WebhookAttemptResponse(a.Attempt, a.AttemptedAt.ToUniversalTime(), a.StatusCode, a.DurationMs, a.Error))]));
        }
        return rows;
    }

    private static readonly System.Text.Json.JsonSerializerOptions AttemptJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private sealed record AttemptRow(int Attempt, DateTimeOffset AttemptedAt, int? StatusCode, int DurationMs, string? Error);
}
