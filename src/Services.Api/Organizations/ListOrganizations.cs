using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Organizations;

/// <summary>Every registered organization, for the operator, from the insights read model (which has them all, with their members).</summary>
public static class ListOrganizationsEndpoint
{
    public static void MapListOrganizations(this IEndpointRouteBuilder organizations) =>
        organizations.MapGet("", Handle)
            .WithName("listOrganizations")
            .AllowKinds()
            .WithSummary("List organizations (operator)")
            .WithDescription(
                "Every registered organization, as getOrganization shows it to the operator (a club with its members). Newest registered " +
                "first, cursor pagination (limit, after → next). Filters: kind, territory (one it belongs to), siret (exact), name " +
                "(contained in its current name, whatever the case). Read model 'insights': eventually consistent; pass a registration's " +
                "or rename's Services-Position as minPosition to read it.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<Page<OrganizationResponse>>, ValidationProblem, ProblemHttpResult>> Handle(
        [Description("Only organizations of this kind: club, company, provider or partner."), OneOf(typeof(OrganizationKind))] string? kind,
        [Description("Only organizations belonging to this territory."), RegularExpression(Validation.TerritoryPattern)] string? territory,
        [Description("Only the company with this SIRET (14 digits)."), RegularExpression(Siret.Pattern)] string? siret,
        [Description("Only organizations whose current name contains this text, whatever the case (`figeac` finds `Grand-Figeac`)."),
         StringLength(Organization.MaxName, MinimumLength = 1)] string? name,
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        NpgsqlDataSource db,
        ProjectionDaemon daemon,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.Organization, out var pageSize, out var cursor);
        var kindFilter = validation.Filter<OrganizationKind>("kind", kind);
        if (territory is not null) validation.Territory("territory", territory);
        if (siret is not null && !Siret.IsValid(siret)) validation.Add("siret", Siret.Invalid);
        if (name is not null) validation.Text("name", name, Organization.MaxName);
        if (await ReadYourWrites.CheckAndWaitAsync(validation, minPosition, daemon, InsightsProjection.ShardName, http.Response, cancellationToken) is { } unready) return unready;

        var filters = new QueryFilters(pageSize + 1);
        if (kindFilter is { } k) filters.And($"o.kind = {filters.Parameter(Wire(k))}");
        if (territory is not null) filters.And($"{filters.Parameter(territory)} = any(o.territories)");
        if (siret is not null) filters.And($"o.siret = {filters.Parameter(siret)}");
        // strpos, not like: the text is taken as it is, a % or _ in it matching only itself.
        if (name is not null) filters.And($"strpos(lower(o.name), lower({filters.Parameter(name.Trim())})) > 0");
        if (cursor is { } c) filters.And($"(o.registered_at, o.organization_id) < ({filters.Parameter(Utc(c.At))}, {filters.Parameter(c.Id)})");
        await using var command = ReadModelSql.Command(db, $"""
            select o.organization_id, o.kind, coalesce(o.name, ''), o.territories, o.siret, o.registered_at,
                   array(select m.company_id from {InsightsProjection.Prefix}_memberships m
                         where m.club_id = o.organization_id and m.removed_at is null order by m.company_id collate "C")
            from {InsightsProjection.Prefix}_organizations o
            where true{filters.Conditions}
            order by o.registered_at desc, o.organization_id desc
            limit $1
            """, filters.Values);
        var rows = new List<(OrganizationResponse Organization, DateTimeOffset RegisteredAt)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var organizationKind = Parse<OrganizationKind>(reader.GetString(1))!.Value;
                rows.Add((new OrganizationResponse(
                    reader.GetString(0), organizationKind, reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.NullableString(4),
                    organizationKind == OrganizationKind.Club ? reader.GetFieldValue<string[]>(6) : null), reader.GetFieldValue<DateTimeOffset>(5)));
            }
        }
        var page = PageCursor.ToPage(rows, pageSize, r => new PageCursor(r.RegisteredAt, r.Organization.Id));
        return TypedResults.Ok(new Page<OrganizationResponse>([.. page.Data.Select(r => r.Organization)], page.Next));
    }
}
