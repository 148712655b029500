using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;

namespace Services.Api.Webhooks;

public static class ListWebhooksEndpoint
{
    public static void MapListWebhooks(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapGet("", Handle)
            .WithName("listWebhooks")
            .WithSummary("List webhooks")
            .WithDescription("The caller's webhooks (the operator: all, each naming its organizationId; organizationId= keeps one organization's; status=disabled those switched off), newest first, cursor pagination (limit, after → next).")
            .ProducesValidationProblem();

    private static async Task<Results<Ok<Page<WebhookResponse>>, ValidationProblem>> Handle(
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        [Description("Only the webhooks of this organization (for the operator; any other caller only ever sees its own)."), Id(Ids.Organization)] string? organizationId,
        [Description("enabled or disabled."), OneOf(typeof(WebhookStatus))] string? status,
        Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.Webhook, out var pageSize, out var cursor).Id("organizationId", organizationId, Ids.Organization, required: false);
        var statusFilter = validation.Filter<WebhookStatus>("status", status);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var filters = new QueryFilters(caller.OrganizationId, pageSize + 1);
        if (organizationId is not null) filters.And($"organization_id = {filters.Parameter(organizationId)}");
        if (statusFilter is { } s) filters.And(s == WebhookStatus.Disabled ? "disabled_at is not null" : "disabled_at is null");
        if (cursor is { } k) filters.And($"(created_at, webhook_id) < ({filters.Parameter(ReadModelValues.Utc(k.At))}, {filters.Parameter(k.Id)})");
        await using var command = ReadModelSql.Command(db, $"""
            select {WebhookEndpoints.WebhookColumns} from webhooks
            where deleted_at is null and {ReadModelSql.Scope(caller.IsOperator, "organization_id = $1")}{filters.Conditions}
            order by created_at desc, webhook_id desc
            limit $2
            """, filters.Values);
        var rows = (await WebhookEndpoints.ReadWebhooksAsync(command, cancellationToken)).ConvertAll(found => found.Webhook);
        return TypedResults.Ok(PageCursor.ToPage(rows, pageSize, w => new PageCursor(w.CreatedAt, w.Id)));
    }
}

public static class GetWebhookEndpoint
{
    public static void MapGetWebhook(this IEndpointRouteBuilder webhooks) =>
        webhooks.MapGet("/{webhookId}", Handle)
            .WithName("getWebhook")
            .AcceptsIfNoneMatch()
            .WithSummary("Read a webhook")
            .WithDescription("The caller's webhook (the operator: any): its URL, event types, description and status, never its secret. The ETag is its version, for If-Match on PATCH, rotate-secret and DELETE.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> Handle(string webhookId, Caller caller, NpgsqlDataSource db, HttpContext http, CancellationToken cancellationToken)
    {
        if (await WebhookEndpoints.FindAsync(db, webhookId, caller, cancellationToken) is not { } found) return Problems.NotFound("webhook");
        ETags.Set(http.Response, found.Version);
        return TypedResults.Ok(found.Webhook);
    }
}
