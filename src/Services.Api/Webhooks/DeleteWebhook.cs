using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;

namespace Services.Api.Webhooks;

public static class DeleteWebhookEndpoint
{
    public static void MapDeleteWebhook(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapDelete("/{webhookId}", Handle)
            .WithName("deleteWebhook")
            .WithSummary("Delete a webhook")
            .WithDescription("Stops deliveries at once; pending deliveries are dropped. Send the ETag as If-Match to delete only what you read.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(IfMatchHonoured.Instance)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Handle(
        string webhookId, Caller caller, NpgsqlDataSource db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var (found, expectedVersion, refused) = await WebhookEndpoints.FindToChangeAsync(db, webhookId, caller, ifMatch, cancellationToken);
        if (found is null) return refused!;
        await using var batch = db.CreateBatch();
        // At the version an If-Match was checked on: an edit in between makes it 412, not a deletion of what was not read.
        var delete = ReadModelSql.BatchCommand(
            "update webhooks set deleted_at = $3 where webhook_id = $1 and deleted_at is null and ($4 or organization_id = $2) and ($5::bigint is null or version = $5)",
            webhookId, caller.OrganizationId, time.GetUtcNow().ToUniversalTime(), caller.IsOperator, expectedVersion);
        var drop = ReadModelSql.BatchCommand("""
            update webhook_deliveries set status = 'failed', next_attempt_at = null, last_error = coalesce(last_error, 'webhook deleted')
            where webhook_id = $1 and status = 'pending' and exists (select 1 from webhooks where webhook_id = $1 and deleted_at is not null)
            """, webhookId);
        batch.BatchCommands.Add(delete);
        batch.BatchCommands.Add(drop);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (delete.RecordsAffected == 1) return TypedResults.NoContent();
        return await WebhookEndpoints.LostChangeAsync(db, webhookId, caller, cancellationToken);
    }
}
