using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Organizations;

public sealed record AdmitMember(string ClubId, string CompanyId);

public static partial class Organization
{
    public static Decision<IReadOnlyList<object>> Decide(AdmitMember command, OrganizationState? club, OrganizationState? company, DateTimeOffset now)
    {
        if (!IsA(OrganizationKind.Club, command.ClubId, club, out var refusal)) return refusal;
        if (!IsA(OrganizationKind.Company, command.CompanyId, company, out refusal)) return refusal;
        if (club.Members.Contains(command.CompanyId))
            return Decision.Refuse("already_a_member", $"Company {command.CompanyId} is already a member of club {command.ClubId}.");

        return Decision.Accept(new MemberAdmitted(command.CompanyId));
    }
}

/// <param name="CompanyId">The company (`org_…`) the club admits: it may then subscribe to the club's offers.</param>
public sealed record AdmitMemberRequest([property: Id(Ids.Organization)] string CompanyId)
{
    public Validation Validate() => new Validation().Id("companyId", CompanyId, Ids.Organization);
}

public static class AdmitMemberEndpoint
{
    public static void MapAdmitMember(this IEndpointRouteBuilder members) =>
        members.MapPost("", Handle)
            .WithName("admitMember")
            .WithSummary("Admit a company to a club")
            .WithDescription("The club itself or the operator. Members may subscribe to the club's offers.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("not_a_club", "not_a_company", "already_a_member")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<OrganizationResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string clubId, AdmitMemberRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        if (!Organization.IsManagedBy(clubId, caller)) return await OrganizationAccess.NotManagedAsync(store, clubId, caller, cancellationToken);
        var validation = request.Validate();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var company = (await store.LoadAsync(Organization.Stream(request.CompanyId), cancellationToken)).State;
        if (company is null) return Problems.NotFound("company");
        var change = await runner.ChangeAsync(store, Organization.Stream(clubId), "club",
            _ => true, ifMatch,
            club => Organization.Decide(new AdmitMember(clubId, request.CompanyId), club, company, time.GetUtcNow()),
            Writes.Metadata(http, caller), cancellationToken);
        return change.ToHttp(http.Response, club => TypedResults.Ok(OrganizationResponse.From(club, caller)));
    }
}
