using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Organizations;

public sealed record RemoveMember(string ClubId, string CompanyId);

public static partial class Organization
{
    public static Decision<IReadOnlyList<object>> Decide(RemoveMember command, OrganizationState? club, DateTimeOffset now)
    {
        if (!IsA(OrganizationKind.Club, command.ClubId, club, out var refusal)) return refusal;
        if (!club.Members.Contains(command.CompanyId))
            return Decision.Refuse("not_a_member", $"Company {command.CompanyId} is not a member of club {command.ClubId}.");

        return Decision.Accept(new MemberRemoved(command.CompanyId, now));
    }
}

public static class RemoveMemberEndpoint
{
    public static void MapRemoveMember(this IEndpointRouteBuilder members) =>
        members.MapDelete("/{companyId}", Handle)
            .WithName("removeMember")
            .WithSummary("Remove a company from a club")
            .WithDescription("The club itself or the operator. New subscriptions to the club's offers are refused; within seconds, the company's subscriptions to them end with the month of its removal (offer's calendar), as a cancellation then would (one yet to start never runs): until the month ends the company may still book on them, and their later confirmed bookings stand and are charged by the unit (the club cancels one with cancelBooking, whose cancelReason then reads club_request); their later waitlisted bookings are no longer promoted (they keep their place and expire when the slot starts). Admitted again before that, they run on.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("not_a_club", "not_a_member")
            .AcceptsIfMatch();

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Handle(
        string clubId, string companyId, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        if (!Organization.IsManagedBy(clubId, caller)) return await OrganizationAccess.NotManagedAsync(store, clubId, caller, cancellationToken);
        var change = await runner.ChangeAsync(store, Organization.Stream(clubId), "club",
            _ => true, ifMatch,
            club => Organization.Decide(new RemoveMember(clubId, companyId), club, time.GetUtcNow()),
            Writes.Metadata(http, caller), cancellationToken);
        return change.ToHttp(http.Response, _ => TypedResults.NoContent());
    }
}
