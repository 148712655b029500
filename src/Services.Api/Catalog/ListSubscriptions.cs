using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.Api.Subscriptions;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Catalog;

public static class ListSubscriptionsEndpoint
{
    public static void MapListSubscriptions(this IEndpointRouteBuilder subscriptions) =>
        subscriptions.MapGet("", Handle)
            .WithName("listSubscriptions")
            .WithSummary("List subscriptions and their quota usage")
            .WithDescription(
                "The subscriptions the caller may see, as in getSubscription: a company its own, a club those to its offers, the operator all. " +
                "Newest first, cursor pagination (limit, after → next). Filters: offerId, companyId (useful to clubs and the operator), status. Each names its company (companyName, from the 'insights' read model, which minPosition does not wait for: a rename may show a moment later). " +
                "Read model 'subscription-list': eventually consistent; pass minPosition to read your writes.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<Page<SubscriptionResponse>>, ValidationProblem, ProblemHttpResult>> Handle(
        [Description("Only subscriptions to this offer."), Id(Ids.Offer)] string? offerId,
        [Description("Only subscriptions of this company."), Id(Ids.Organization)] string? companyId,
        [Description("active or cancelled."), OneOf(typeof(SubscriptionStatus))] string? status,
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        Caller caller,
        NpgsqlDataSource db,
        ProjectionDaemon daemon,
        TimeProvider time,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.Subscription, out var pageSize, out var cursor);
        var statusFilter = validation.Filter<SubscriptionStatus>("status", status);
        validation.Id("offerId", offerId, Ids.Offer, required: false).Id("companyId", companyId, Ids.Organization, required: false);
        if (await ReadYourWrites.CheckAndWaitAsync(validation, minPosition, daemon, CatalogReadModels.SubscriptionListShard, http.Response, cancellationToken) is { } unready) return unready;

        var rows = new List<(SubscriptionState State, string? CompanyName, string TimeZone, DateTimeOffset SubscribedAt)>();
        var filters = new QueryFilters(caller.OrganizationId, pageSize + 1);
        if (offerId is not null) filters.And($"s.offer_id = {filters.Parameter(offerId)}");
        if (companyId is not null) filters.And($"s.company_id = {filters.Parameter(companyId)}");
        if (statusFilter is { } f) filters.And($"s.status = {filters.Parameter(Wire(f))}");
        if (cursor is { } k) filters.And($"(s.subscribed_at, s.subscription_id) < ({filters.Parameter(Utc(k.At))}, {filters.Parameter(k.Id)})");
        await using (var command = ReadModelSql.Command(db, $"""
            select s.subscription_id, s.company_id, s.offer_id, s.club_id, s.monthly_quota, s.starts_on, s.ends_on, s.time_zone, s.subscribed_at, s.end_reason,
                   company.name
            from rm_subscriptions s
            left join {InsightsProjection.Prefix}_organizations company on company.organization_id = s.company_id
            where {ReadModelSql.Scope(caller.IsOperator, "s.company_id = $1 or s.club_id = $1")}{filters.Conditions}
            order by s.subscribed_at desc, s.subscription_id desc
            limit $2
            """, filters.Values))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((new SubscriptionState(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                    reader.GetFieldValue<DateOnly>(5), reader.Nullable<DateOnly>(6), Units: QuotaUse.None, // its use per month is read below, as totals
                    EndReason: Parse<SubscriptionEndReason>(reader.NullableString(9))),
                    reader.NullableString(10), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8)));
            }
        }

        var page = PageCursor.ToPage(rows, pageSize, r => new PageCursor(r.SubscribedAt, r.State.Id));
        // One row per month comes back, not one per booking ever made (PostgreSQL still reads those to sum them).
        var units = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        if (page.Data.Count > 0)
        {
            await using var command = ReadModelSql.Command(db,
                "select subscription_id, month, sum(quantity)::int from rm_subscription_units where subscription_id = any($1) group by subscription_id, month",
                (object)page.Data.Select(r => r.State.Id).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var subscriptionId = reader.GetString(0);
                if (!units.TryGetValue(subscriptionId, out var months)) units[subscriptionId] = months = new Dictionary<string, int>(StringComparer.Ordinal);
                months[reader.GetString(1)] = reader.GetInt32(2);
            }
        }
        var now = time.GetUtcNow();
        return TypedResults.Ok(new Page<SubscriptionResponse>(
            [.. page.Data.Select(r => SubscriptionResponse.From(r.State, r.CompanyName, units.GetValueOrDefault(r.State.Id) ?? QuotaUse.None.ByMonth, Today(r.TimeZone, now)))],
            page.Next));
    }

    /// <summary>Today in the offer's calendar, which quota months follow (UTC if the zone is unknown here).</summary>
    private static DateOnly Today(string timeZone, DateTimeOffset now) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone)
            ? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime)
            : DateOnly.FromDateTime(now.UtcDateTime);
}
