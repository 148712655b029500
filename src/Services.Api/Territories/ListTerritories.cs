using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.EventStore.Projections;

namespace Services.Api.Territories;

/// <summary>A territory some organization belongs to or some open offer serves, with what is there.</summary>
/// <param name="Code">The territory's code, as organizations, offers and needs name it.</param>
/// <param name="Clubs">Clubs that belong to it.</param>
/// <param name="Partners">Partners (local authorities, employment agencies) that belong to it.</param>
/// <param name="Companies">Companies that belong to it.</param>
/// <param name="Providers">Providers that belong to it.</param>
/// <param name="OpenOffers">Offers serving it that are not withdrawn (suspended ones count: they resume).</param>
public sealed record TerritoryResponse(string Code, int Clubs, int Partners, int Companies, int Providers, int OpenOffers);

public static class ListTerritoriesEndpoint
{
    /// <param name="after">The condition on the code that starts the page (<see cref="QueryFilters.Conditions"/>).</param>
    /// <remarks>Codes compare byte by byte (collation C), as a client sorts them, whatever the database's collation.</remarks>
    private static string Sql(string after) => $"""
        with presence as (
            select t.code, o.organization_id, o.kind, null as offer_id
            from {InsightsProjection.Prefix}_organizations o cross join lateral unnest(o.territories) as t(code)
            union all
            select t.code, null, null, f.offer_id
            from {InsightsProjection.Prefix}_offers f cross join lateral unnest(f.territories) as t(code)
            -- A withdrawal is final: one is enough.
            where not exists (select from {InsightsProjection.Prefix}_offer_statuses s where s.offer_id = f.offer_id and s.status = 'withdrawn')
        )
        -- Distinct: a territory listed twice by one organization or offer counts it once.
        select code,
               count(distinct organization_id) filter (where kind = 'club')::int,
               count(distinct organization_id) filter (where kind = 'partner')::int,
               count(distinct organization_id) filter (where kind = 'company')::int,
               count(distinct organization_id) filter (where kind = 'provider')::int,
               count(distinct offer_id)::int
        from presence
        where true{after}
        group by code
        order by code collate "C"
        limit $1
        """;

    public static IEndpointRouteBuilder MapTerritories(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/territories", Handle)
            .WithTags("Territories")
            .WithName("listTerritories")
            .WithSummary("List the territories known to the platform")
            .WithDescription(
                "Every territory some organization belongs to or some open offer serves, with how many clubs, partners, companies and " +
                "providers belong to it and how many offers serve it (not withdrawn), so that an integrator can offer a choice of territory " +
                "(a need is recorded only in a territory with a club or a partner: clubs > 0 or partners > 0). Counts only, no names. " +
                "Any organization may read it. Ordered by code, cursor pagination (limit, after → next). " +
                "Read model 'insights': eventually consistent; pass minPosition to read your writes.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return v1;
    }

    private static async Task<Results<Ok<Page<TerritoryResponse>>, ValidationProblem, ProblemHttpResult>> Handle(
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        NpgsqlDataSource db,
        ProjectionDaemon daemon,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var pageSize = limit ?? PageCursor.DefaultLimit;
        var validation = new Validation().Range("limit", pageSize, 1, PageCursor.MaxLimit);
        // The cursor is the page's last code; the contract keeps it opaque, as other lists' cursors are, so that it may change.
        if (after is not null) validation.Territory("after", after);
        if (await ReadYourWrites.CheckAndWaitAsync(validation, minPosition, daemon, InsightsProjection.ShardName, http.Response, cancellationToken) is { } unready) return unready;

        var filters = new QueryFilters(pageSize + 1);
        if (after is not null) filters.And($"code collate \"C\" > {filters.Parameter(after)}");
        var rows = new List<TerritoryResponse>();
        await using (var command = ReadModelSql.Command(db, Sql(filters.Conditions), filters.Values))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new TerritoryResponse(
                    reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5)));
            }
        }
        var data = rows.Take(pageSize).ToList();
        return TypedResults.Ok(new Page<TerritoryResponse>(data, rows.Count > pageSize ? data[^1].Code : null));
    }
}
