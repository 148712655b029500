using System.Collections.Immutable;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Needs;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Catalog;

public static class ListNeedsEndpoint
{
    public static void MapListNeeds(this IEndpointRouteBuilder needs) =>
        needs.MapGet("", Handle)
            .WithName("listNeeds")
            .WithSummary("List needs")
            .WithDescription(
                "The needs the caller may see, as in getNeed: a company its own, clubs and partners those of their territories (partners without " +
                "the company's id), the operator all. Newest recorded first, cursor pagination (limit, after → next). Filters: territory, category, " +
                "status. Read model 'need-list': eventually consistent; pass minPosition to read your writes.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<Page<NeedResponse>>, ValidationProblem, ProblemHttpResult>> Handle(
        [Description("Only needs in this territory."), RegularExpression(Validation.TerritoryPattern)] string? territory,
        [Description("Only needs of this category."), OneOf(typeof(Category))] string? category,
        [Description("open, addressed or withdrawn."), OneOf(typeof(NeedStatus))] string? status,
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        Caller caller,
        NpgsqlDataSource db,
        EventStore.EventStore store,
        ProjectionDaemon daemon,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.Need, out var pageSize, out var cursor);
        var categoryFilter = validation.Filter<Category>("category", category);
        var statusFilter = validation.Filter<NeedStatus>("status", status);
        if (territory is not null) validation.Territory("territory", territory);
        if (await ReadYourWrites.CheckAndWaitAsync(validation, minPosition, daemon, CatalogReadModels.NeedListShard, http.Response, cancellationToken) is { } unready) return unready;

        // Clubs and partners see the needs of their territories (as in Need.IsVisibleTo).
        var territories = Need.NeedsCallerState(caller)
            && (await store.LoadAsync(Organization.Stream(caller.OrganizationId), cancellationToken)).State is { } organization
            && organization.Kind == caller.Kind
                ? organization.Territories.ToArray()
                : [];

        var filters = new QueryFilters(caller.OrganizationId, territories, pageSize + 1);
        if (territory is not null) filters.And($"territory = {filters.Parameter(territory)}");
        if (categoryFilter is { } c) filters.And($"category = {filters.Parameter(Wire(c))}");
        if (statusFilter is { } s) filters.And($"status = {filters.Parameter(Wire(s))}");
        if (cursor is { } k) filters.And($"(recorded_at, need_id) < ({filters.Parameter(Utc(k.At))}, {filters.Parameter(k.Id)})");
        await using var command = ReadModelSql.Command(db, $"""
            select need_id, company_id, category, territory, headcount, description, wished_schedule, status, acknowledged_by,
                   addressed_by_offer_id, recorded_at
            from rm_needs
            where {ReadModelSql.Scope(caller.IsOperator, "company_id = $1 or territory = any($2::text[])")}{filters.Conditions}
            order by recorded_at desc, need_id desc
            limit $3
            """, filters.Values);
        var rows = new List<NeedState>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new NeedState(
                    reader.GetString(0), reader.GetString(1), Parse<Category>(reader.GetString(2))!.Value, reader.GetString(3), reader.GetInt32(4),
                    Parse<NeedStatus>(reader.GetString(7))!.Value, [.. reader.GetFieldValue<string[]>(8)],
                    reader.GetString(5), reader.NullableString(6), reader.GetFieldValue<DateTimeOffset>(10), reader.NullableString(9)));
            }
        }
        var page = PageCursor.ToPage(rows, pageSize, r => new PageCursor(r.RecordedAt, r.Id));
        return TypedResults.Ok(new Page<NeedResponse>([.. page.Data.Select(n => NeedResponse.From(n, caller))], page.Next));
    }
}
