using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;

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
            .ProducesMembershipListProblems();

    private static Task<Results<Ok<Page<MemberResponse>>, ValidationProblem, ProblemHttpResult>> Handle(
        string clubId, [AsParameters] MembershipListQuery query, CancellationToken cancellationToken) =>
        MembershipLists.ListAsync(MembershipLists.Side.Club, clubId, query, async (rows, token) =>
            {
                // Names from the companies' own streams: a rename shows at once, and the read model keeps no copy of them.
                var companies = await query.Store.LoadManyAsync(rows.Select(row => row.OtherId), Organization.Stream, token);
                return rows.Where(row => companies.ContainsKey(row.OtherId))
                    .Select(row => new MemberResponse(row.OtherId, companies[row.OtherId].Name, companies[row.OtherId].Siret, row.Since)).ToList();
            },
            member => new PageCursor(member.Since, member.CompanyId), cancellationToken);
}
