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

/// <summary>A club a company belongs to: it may subscribe to the club's offers.</summary>
/// <param name="Since">When the club admitted it (its latest admission, when it was removed and admitted again).</param>
public sealed record MembershipResponse(string ClubId, DateTimeOffset Since);

/// <summary>The clubs a company belongs to, which only the clubs themselves change (admitMember, removeMember).</summary>
public static class ListMembershipsEndpoint
{
    public static void MapListMemberships(this IEndpointRouteBuilder v1) =>
        v1.MapGet("/companies/{companyId}/memberships", Handle)
            .WithTags("Organizations")
            .WithName("listMemberships")
            .WithSummary("List the clubs a company belongs to")
            .WithDescription(
                "The company itself or the operator (a club it belongs to: 403; anyone else: 404, as for a company that does not exist; " +
                "an organization that is not a company: 404 to everyone). " +
                "Its current memberships, newest admission first, from the insights read model: pass an admission's or removal's " +
                "Services-Position as minPosition to read it. Cursor pagination.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<Page<MembershipResponse>>, ValidationProblem, ProblemHttpResult>> Handle(
        string companyId,
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
        // Only companies have memberships: any other id is no company, whoever asks.
        if ((await store.LoadAsync(Organization.Stream(companyId), cancellationToken)).State is not { Kind: OrganizationKind.Company })
            return Problems.NotFound("company");
        if (!Organization.IsManagedBy(companyId, caller)) return await OrganizationAccess.NotManagedAsync(store, companyId, caller, cancellationToken, "company");
        if (await ReadYourWrites.CheckAndWaitAsync(validation, minPosition, daemon, InsightsProjection.ShardName, http.Response, cancellationToken) is { } unready) return unready;

        var rows = (await MembershipRows.ReadAsync(db, MembershipRows.Side.Company, companyId, cursor, pageSize + 1, cancellationToken))
            .Select(row => new MembershipResponse(row.OtherId, row.Since)).ToList();
        return TypedResults.Ok(PageCursor.ToPage(rows, pageSize, membership => new PageCursor(membership.Since, membership.ClubId)));
    }
}
