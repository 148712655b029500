using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.ReadModels;

namespace Services.Api.Organizations;

/// <summary>A club a company belongs to: it may subscribe to the club's offers.</summary>
/// <param name="Since">When the club admitted it (its latest admission, when it was removed and admitted again).</param>
/// <param name="ClubId">The club (`org_…`).</param>
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
            .ProducesMembershipListProblems();

    private static Task<Results<Ok<Page<MembershipResponse>>, ValidationProblem, ProblemHttpResult>> Handle(
        string companyId, [AsParameters] MembershipListQuery query, CancellationToken cancellationToken) =>
        MembershipLists.ListAsync(MembershipLists.Side.Company, companyId, query,
            (rows, _) => Task.FromResult(rows.Select(row => new MembershipResponse(row.OtherId, row.Since)).ToList()),
            membership => new PageCursor(membership.Since, membership.ClubId), cancellationToken);
}
