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

namespace Services.Api.Organizations;

/// <summary>A company that belongs to the club.</summary>
/// <param name="CompanyId">The member company.</param>
/// <param name="Name">Its name as it is now (it may have been renamed since its admission).</param>
/// <param name="Siret">Its SIRET (14 digits), as registered.</param>
/// <param name="Since">When the club admitted it (its latest admission, when it was removed and admitted again).</param>
public sealed record MemberResponse(string CompanyId, string Name, string? Siret, DateTimeOffset Since);

/// <summary>A club's member companies with their names: what its coordinator manages (admitMember, removeMember).</summary>
public static class ListMembersEndpoint
{
    public static void MapListMembers(this IEndpointRouteBuilder members) =>
        members.MapGet("", Handle)
            .WithName("listMembers")
            .WithSummary("List a club's member companies")
            .WithDescription(
                "The club itself or the operator (another organization that may know the club: 403; anyone else: 404; " +
                "an organization that is not a club: 404 to everyone). " +
                "Its current members with their current names and SIRETs, newest admission first, from the insights read model: " +
                "pass an admission's or removal's Services-Position as minPosition to read it. Cursor pagination.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<Page<MemberResponse>>, ValidationProblem, ProblemHttpResult>> Handle(
        string clubId,
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        Caller caller,
        EventStore.EventStore store,
        NpgsqlDataSource db,
        ProjectionDaemon daemon,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.Organization, out var pageSize, out var cursor);
        if ((await store.LoadAsync(Organization.Stream(clubId), cancellationToken)).State is not { Kind: OrganizationKind.Club })
            return Problems.NotFound("club");
        if (!Organization.IsManagedBy(clubId, caller)) return await OrganizationAccess.NotManagedAsync(store, clubId, caller, cancellationToken, "club");
        if (await ReadYourWrites.CheckAndWaitAsync(validation, minPosition, daemon, InsightsProjection.ShardName, http.Response, cancellationToken) is { } unready) return unready;

        var rows = await MembershipRows.ReadAsync(db, MembershipRows.Side.Club, clubId, cursor, pageSize + 1, cancellationToken);
        // Names from the companies' own streams: a rename shows at once, and the read model keeps no copy of them.
        var companies = await store.LoadManyAsync(rows.Select(row => row.OtherId), Organization.Stream, cancellationToken);
        var members = rows.Where(row => companies.ContainsKey(row.OtherId))
            .Select(row => new MemberResponse(row.OtherId, companies[row.OtherId].Name, companies[row.OtherId].Siret, row.Since)).ToList();
        return TypedResults.Ok(PageCursor.ToPage(members, pageSize, member => new PageCursor(member.Since, member.CompanyId)));
    }
}
