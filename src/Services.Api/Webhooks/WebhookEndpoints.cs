using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;

namespace Services.Api.Webhooks;

/// <param name="Url">Where deliveries are POSTed.</param>
/// <param name="EventTypes">The event names it receives: exact names, a stream's events (booking.*) or all (*).</param>
/// <param name="Description">The organization's own note about it.</param>
/// <param name="PreviousSecretValidUntil">
/// Until when deliveries also carry a signature by the secret the last rotation replaced (past once that ended); null when the secret was never rotated.
/// </param>
/// <param name="Id">The webhook's id (`whk_…`).</param>
/// <param name="CreatedAt">When it was registered (UTC); it receives the events after that.</param>
/// <param name="OrganizationId">The organization that registered it (`org_…`), whose events it receives: the operator, who lists everyone's, tells them apart by it. Absent only from an answer replayed under an Idempotency-Key kept before this field was added.</param>
/// <param name="Status">
/// enabled: it receives deliveries; disabled (PATCH status): nothing is sent to it, its pending deliveries wait (they go out when it is
/// enabled again, their retries starting afresh) and no delivery is queued for the events meanwhile: catch up on those from GET /v1/events.
/// Absent only from an answer replayed under an Idempotency-Key kept before webhooks could be disabled: enabled.
/// </param>
/// <param name="DisabledAt">When it was disabled (UTC); null while it is enabled.</param>
public sealed record WebhookResponse(
    string Id, string Url, IReadOnlyList<string> EventTypes, string? Description, DateTimeOffset CreatedAt,
    [property: AddedLater] DateTimeOffset? PreviousSecretValidUntil, [property: AddedLater] string? OrganizationId,
    [property: AddedLater] WebhookStatus Status, [property: AddedLater] DateTimeOffset? DisabledAt)
{
    /// <summary>A webhook's version when registered (its ETag); each edit and each rotation of its secret adds one.</summary>
    public const long FirstVersion = 1;
}

/// <summary>Whether a webhook receives deliveries: switched off, it keeps its id, secret and deliveries (rather than being deleted).</summary>
public enum WebhookStatus { Enabled, Disabled }

/// <summary>A webhook with its version, the ETag of its answers.</summary>
internal sealed record VersionedWebhook(WebhookResponse Webhook, long Version);

public static class WebhookEndpoints
{
    public const string DeliveryPrefix = "dlv";
    public const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSettings<WebhookOptions>(WebhookOptions.Section);
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
        webhooks.MapCreateWebhook();
        webhooks.MapListWebhooks();
        webhooks.MapGetWebhook();
        webhooks.MapDeleteWebhook();
        webhooks.MapUpdateWebhook();
        webhooks.MapRotateWebhookSecret();
        webhooks.MapPingWebhook();
        webhooks.MapListWebhookDeliveries();
        webhooks.MapGetWebhookDelivery();
        webhooks.MapRedeliverWebhookDelivery();
        return v1;
    }

    internal const string WebhookColumns = "webhook_id, url, event_types, description, created_at, version, previous_secret_until, organization_id, disabled_at";

    public const string DisabledCode = "webhook_disabled";

    /// <summary>The refusal of a delivery asked of a disabled webhook (a ping, a redelivery): it would only wait.</summary>
    internal static ProblemHttpResult Disabled(string webhookId) => Problems.Refused(new Refusal(DisabledCode,
        $"Webhook {webhookId} is disabled: nothing is sent to it. Enable it first (PATCH /v1/webhooks/{webhookId} with {{\"status\": \"enabled\"}}), then ask again."));

    /// <summary>The answer to a change at a version that matched no row: 412 at the webhook's version now, or 404 when it was deleted meanwhile.</summary>
    internal static async Task<ProblemHttpResult> LostChangeAsync(NpgsqlDataSource db, string webhookId, Caller caller, CancellationToken cancellationToken) =>
        await FindAsync(db, webhookId, caller, cancellationToken) is { } now ? Problems.StaleVersion(now.Version) : Problems.NotFound("webhook");

    /// <summary>
    /// The webhook a change acts on, if If-Match allows its version (else 412 at that version; 404 when there is none),
    /// with the version the change's statement must still find: null when If-Match named none.
    /// </summary>
    internal static async Task<(VersionedWebhook? Found, long? ExpectedVersion, ProblemHttpResult? Refused)> FindToChangeAsync(
        NpgsqlDataSource db, string webhookId, Caller caller, IfMatch ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ifMatch);
        if (await FindAsync(db, webhookId, caller, cancellationToken) is not { } found) return (null, null, Problems.NotFound("webhook"));
        if (!ifMatch.Allows(found.Version)) return (null, null, Problems.StaleVersion(found.Version));
        return (found, ifMatch.NamesVersions ? found.Version : null, null);
    }

    internal static async Task<VersionedWebhook?> FindAsync(NpgsqlDataSource db, string webhookId, Caller caller, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(db,
            $"select {WebhookColumns} from webhooks where webhook_id = $1 and deleted_at is null and ($2 or organization_id = $3)",
            webhookId, caller.IsOperator, caller.OrganizationId);
        return (await ReadWebhooksAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>
    /// The kind of the organization that registered the webhook; null for one an older node made during an
    /// upgrade, which kept none (the outbox reads it from the registration), or one deleted meanwhile.
    /// </summary>
    internal static async Task<OrganizationKind?> OwnerKindAsync(NpgsqlDataSource db, string webhookId, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(db, "select organization_kind from webhooks where webhook_id = $1", webhookId);
        return await command.ExecuteScalarAsync(cancellationToken) is string kind ? Enum.Parse<OrganizationKind>(kind, ignoreCase: true) : null;
    }

    /// <summary>A row of <see cref="WebhookColumns"/>.</summary>
    internal static VersionedWebhook ReadWebhook(NpgsqlDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var disabledAt = reader.Nullable<DateTimeOffset>(8);
        return new VersionedWebhook(new WebhookResponse(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.NullableString(3),
            reader.GetFieldValue<DateTimeOffset>(4), reader.Nullable<DateTimeOffset>(6), reader.GetString(7),
            disabledAt is null ? WebhookStatus.Enabled : WebhookStatus.Disabled, disabledAt), reader.GetInt64(5));
    }

    internal static async Task<List<VersionedWebhook>> ReadWebhooksAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var rows = new List<VersionedWebhook>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) rows.Add(ReadWebhook(reader));
        return rows;
    }
}
