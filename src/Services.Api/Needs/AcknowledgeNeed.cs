using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.Security;
using Services.Api.Common;
using Services.Api.Organizations;

namespace Services.Api.Needs;

public sealed record AcknowledgeNeed(string NeedId, string ClubId);

public static partial class Need
{
    public static Decision<IReadOnlyList<object>> Decide(AcknowledgeNeed command, NeedState? state, OrganizationState? club, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.NeedId);
        if (Closed(state) is { } closed) return closed;
        if (!Organization.IsA(OrganizationKind.Club, command.ClubId, club, out var refusal)) return refusal;
        if (!club.Territories.Contains(state.Territory))
            return Decision.Refuse("territory_not_served", $"Club {club.Id} does not serve territory {state.Territory} of need {state.Id}.");
        if (state.AcknowledgedBy.Contains(club.Id)) return Decision.Accept();

        return Decision.Accept(new NeedAcknowledged(club.Id));
    }
}

/// <param name="ClubId">The acknowledging club: required from the operator; a club acknowledges as itself.</param>
public sealed record AcknowledgeNeedRequest([property: Id(Ids.Organization)] string? ClubId = null)
{
    public Validation Validate(Caller caller) => new Validation().Id("clubId", ClubId, Ids.Organization, required: caller.IsOperator);
}

public static class AcknowledgeNeedEndpoint
{
    public static void MapAcknowledgeNeed(this IEndpointRouteBuilder needs) =>
        needs.MapPost("/{needId}/acknowledge", Handle)
            .WithName("acknowledgeNeed")
            .WithSummary("Acknowledge a need (club)")
            .WithDescription("A club serving the need's territory tells the company it has seen the need. The body is optional for a club; the operator acknowledges for a club by giving clubId. Acknowledging twice changes nothing. Send the ETag as If-Match to act only on what you read.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("need_closed", "not_a_club", "territory_not_served")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<NeedResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string needId, AcknowledgeNeedRequest? request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        request ??= new AcknowledgeNeedRequest();
        var validation = request.Validate(caller);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (caller.ActsFor(request.ClubId) is not { } clubId)
            return Problems.Forbidden("A club acknowledges needs as itself only; leave clubId out or give your own id.");
        var club = (await store.LoadAsync(Organization.Stream(clubId), cancellationToken)).State;
        if (club is null) return Problems.NotFound("club");
        var change = await runner.ChangeAsync(store, Need.Stream(needId), "need",
            need => Need.IsVisibleTo(need, caller, club), ifMatch,
            need => Need.Decide(new AcknowledgeNeed(needId, clubId), need, club, time.GetUtcNow()),
            Writes.Metadata(http, caller), cancellationToken);
        return change.ToHttp(http.Response, need => TypedResults.Ok(NeedResponse.From(need, caller)));
    }
}
