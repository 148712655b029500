using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Offers;

public sealed record WithdrawOffer(string OfferId);

public static partial class Offer
{
    public static Decision<IReadOnlyList<object>> Decide(WithdrawOffer command, OfferState? state, DateTimeOffset now) => state switch
    {
        null => NotFound(command.OfferId),
        { Status: OfferStatus.Withdrawn } => Withdrawn(state),
        _ => Decision.Accept(new OfferWithdrawn(now)),
    };
}

public static class WithdrawOfferEndpoint
{
    public static void MapWithdrawOffer(this IEndpointRouteBuilder offers) =>
        offers.MapPost("/{offerId}/withdraw", Handle)
            .WithName("withdrawOffer")
            .WithSummary("Withdraw an offer for good")
            .WithDescription("It takes no new slots, subscriptions or bookings, and its subscriptions end on the last day of this month (offer's calendar): no fee runs on after it. Its slots and their confirmed bookings stay as they are; a waitlisted booking of a slot after that month is no longer promoted (it keeps its place and expires when the slot starts). The owning club or the operator. Send the ETag as If-Match to change only what you read.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("offer_withdrawn")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<OfferResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string offerId, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        return await OfferChanges.ChangeAsync(runner, store, offerId, caller, ifMatch,
            (offer, _) => Task.FromResult(Offer.Decide(new WithdrawOffer(offerId), offer, time.GetUtcNow())), http, cancellationToken);
    }
}
