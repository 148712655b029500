using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;

namespace Services.Api.Organizations;

/// <summary>A current membership seen from one side: the club's or the company's id on the other side, and since when.</summary>
public sealed record MembershipRow(string OtherId, DateTimeOffset Since);

/// <summary>What a list of memberships takes: a page, and what every read takes.</summary>
public sealed class MembershipListQuery : ReadModelQuery
{
    [FromQuery(Name = "limit"), Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)]
    public int? Limit { get; init; }

    [FromQuery(Name = "after"), Description("The next cursor of the previous page.")]
    public string? After { get; init; }
}

/// <summary>
/// The current memberships of one club (its members) or of one company (its clubs), newest admission first, a page at a
/// time, from the insights read model (both sides are indexed: the primary key leads with the club, an index with the company).
/// The organization itself or the operator reads them; one that may know it exists is refused, anyone else told nothing.
/// </summary>
public static class MembershipLists
{
    public enum Side { Club, Company }

    public static RouteHandlerBuilder ProducesMembershipListProblems(this RouteHandlerBuilder endpoint) => endpoint
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <param name="answer">The page's rows as the endpoint shows them.</param>
    /// <param name="cursorOf">Where a shown row stands in the list (its admission, then the other side's id).</param>
    internal static async Task<Results<Ok<Page<T>>, ValidationProblem, ProblemHttpResult>> ListAsync<T>(
        Side side, string id, MembershipListQuery query, Func<List<MembershipRow>, CancellationToken, Task<List<T>>> answer, Func<T, PageCursor> cursorOf,
        CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(query.Limit, query.After, Ids.Organization, out var pageSize, out var cursor);
        var kind = side == Side.Club ? OrganizationKind.Club : OrganizationKind.Company;
        // Only clubs have members and only companies memberships: any other id is neither, whoever asks.
        if ((await query.Store.LoadAsync(Organization.Stream(id), cancellationToken)).State?.Kind != kind) return Problems.NotFound(WireName.Of(kind));
        if (!Organization.IsManagedBy(id, query.Caller)) return await OrganizationAccess.NotManagedAsync(query.Store, id, query.Caller, cancellationToken, WireName.Of(kind));
        if (await ReadYourWrites.CheckAndWaitAsync(validation, query.MinPosition, query.Daemon, InsightsProjection.ShardName, query.Http.Response, cancellationToken) is { } unready)
            return unready;

        var (column, other) = side == Side.Club ? ("club_id", "company_id") : ("company_id", "club_id");
        var filters = new QueryFilters(id, pageSize + 1);
        if (cursor is { } k) filters.And($"(admitted_at, {other}) < ({filters.Parameter(ReadModelValues.Utc(k.At))}, {filters.Parameter(k.Id)})");
        var rows = new List<MembershipRow>();
        await using (var command = ReadModelSql.Command(query.DataSource, $"""
            select {other}, admitted_at from {InsightsProjection.Prefix}_memberships
            where {column} = $1 and removed_at is null{filters.Conditions}
            order by admitted_at desc, {other} desc
            limit $2
            """, filters.Values))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) rows.Add(new MembershipRow(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }
        return TypedResults.Ok(PageCursor.ToPage(await answer(rows, cancellationToken), pageSize, cursorOf));
    }
}
