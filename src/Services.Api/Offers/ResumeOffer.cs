using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Offers;

public sealed record ResumeOffer(string OfferId);

public static partial class Offer
{
    public static Decision<IReadOnlyList<object>> Decide(ResumeOffer command, OfferState? state, DateTimeOffset now) => state switch
    {
        null => NotFound(command.OfferId),
        { Status: OfferStatus.Withdrawn } => Withdrawn(state),
        { Status: OfferStatus.Active } => Decision.Refuse("offer_not_suspended", $"Offer {command.OfferId} is not suspended."),
        _ => Decision.Accept(new OfferResumed(now)),
    };
}

public static class ResumeOfferEndpoint
{
    public static void MapResumeOffer(this IEndpointRouteBuilder offers) =>
        offers.MapPost("/{offerId}/resume", Handle)
            .WithName("resumeOffer")
            .WithSummary("Resume a suspended offer")
            .WithDescription("The owning club or the operator. Send the ETag as If-Match to change only what you read.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("offer_withdrawn", "offer_not_suspended")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<OfferResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string offerId, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        return await OfferChanges.ChangeAsync(runner, store, offerId, caller, ifMatch,
            (offer, _) => Task.FromResult(Offer.Decide(new ResumeOffer(offerId), offer, time.GetUtcNow())), http, cancellationToken);
    }
}
