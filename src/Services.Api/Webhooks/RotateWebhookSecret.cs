using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Catalog;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Webhooks;

/// <param name="Secret">The new signing secret, shown only in this answer.</param>
/// <param name="PreviousSecretValidUntil">Until then, deliveries carry a signature by the previous secret too (a second v1 in Services-Signature).</param>
/// <param name="WebhookId">The webhook (`whk_…`) whose secret changed.</param>
public sealed record RotatedWebhookSecretResponse(string WebhookId, string Secret, DateTimeOffset PreviousSecretValidUntil);

public static class RotateWebhookSecretEndpoint
{
    public static void MapRotateWebhookSecret(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapPost("/{webhookId}/rotate-secret", Handle)
            .WithName("rotateWebhookSecret")
            .WithSummary("Replace a webhook's signing secret")
            .WithDescription(
                "A new secret, shown only in this answer, signs every delivery from now on. For " +
                $"{WebhookOptions.DefaultSecretOverlapHours:0} hours (previousSecretValidUntil) deliveries carry the previous secret's signature " +
                "as well, so a receiver can switch to the new secret without refusing any; rotating again in that time ends the older one at once. " +
                "Pending deliveries are kept. A rotation moves the webhook's version on (the ETag of this answer): send the ETag you read as If-Match " +
                "so that of two rotations made from one read, the second is refused (412) rather than turning the first one's new secret into the previous one.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AcceptsIfMatch(writesEvents: false);

    private static async Task<Results<Ok<RotatedWebhookSecretResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string webhookId, Caller caller, NpgsqlDataSource db, IOptions<WebhookOptions> options, MasterKey masterKey, TimeProvider time, HttpContext http,
        CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var (found, expectedVersion, refused) = await WebhookEndpoints.FindToChangeAsync(db, webhookId, caller, ifMatch, cancellationToken);
        if (found is null) return refused!;
        var secret = WebhookEndpoints.NewSecret();
        var until = time.GetUtcNow() + TimeSpan.FromHours(options.Value.SecretOverlapHours);
        const string rotate = $"""
            update webhooks set previous_sealed_secret = sealed_secret, previous_secret_until = $3, sealed_secret = $2, version = version + 1
            where webhook_id = $1 and deleted_at is null and ($4 or organization_id = $5) and ($6::bigint is null or version = $6)
            returning {WebhookEndpoints.WebhookColumns}
            """;
        object?[] values =
        [
            webhookId, WebhookSecrets.Seal(masterKey, webhookId, secret), until.ToUniversalTime(), caller.IsOperator, caller.OrganizationId,
            expectedVersion,
        ];
        // With the Idempotency-Key's reservation: a retry gets this answer again rather than a third secret.
        if (await WebhookChange.RunAsync(db, Writes.Metadata(http, caller), rotate, values, WebhookEndpoints.ReadWebhook, cancellationToken) is { } rotated)
        {
            ETags.Set(http.Response, rotated.Version);
            return TypedResults.Ok(new RotatedWebhookSecretResponse(webhookId, secret, until));
        }
        return await WebhookEndpoints.LostChangeAsync(db, webhookId, caller, cancellationToken);
    }
}
