using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.Security;
using Services.Api.Common;
using Services.Api.Offers;

namespace Services.Api.Needs;

public sealed record AddressNeed(string NeedId, string OfferId);

public static partial class Need
{
    public static Decision<IReadOnlyList<object>> Decide(AddressNeed command, NeedState? state, OfferState? offer, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.NeedId);
        if (Closed(state) is { } closed) return closed;
        if (offer is null) return Offer.NotFound(command.OfferId);
        if (offer.Status == OfferStatus.Withdrawn) return Offer.Withdrawn(offer);
        if (offer.Category != state.Category)
            return Decision.Refuse("category_mismatch", $"Need {state.Id} is for {WireName.Of(state.Category)}; offer {offer.Id} is {WireName.Of(offer.Category)}.");
        if (!offer.Territories.Contains(state.Territory))
            return Decision.Refuse("territory_not_served", $"Offer {offer.Id} does not serve territory {state.Territory} of need {state.Id}.");

        return Decision.Accept(new NeedAddressed(offer.Id, offer.ClubId));
    }
}

/// <param name="OfferId">The offer (`off_…`) that answers the need, one of the club's.</param>
public sealed record AddressNeedRequest([property: Id(Ids.Offer)] string OfferId)
{
    public Validation Validate() => new Validation().Id("offerId", OfferId, Ids.Offer);
}

public static class AddressNeedEndpoint
{
    public static void MapAddressNeed(this IEndpointRouteBuilder needs) =>
        needs.MapPost("/{needId}/address", Handle)
            .WithName("addressNeed")
            .WithSummary("Address a need with an offer (club)")
            .WithDescription("A club serving the need's territory links the need to one of its offers of the same category that serves the territory; the need is then closed. The operator may address with any club's offer. Send the ETag as If-Match to act only on what you read.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("need_closed", "offer_withdrawn", "category_mismatch", "territory_not_served")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<NeedResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string needId, AddressNeedRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var validation = request.Validate();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var offer = (await store.LoadAsync(Offer.Stream(request.OfferId), cancellationToken)).State;
        if (offer is null) return Problems.NotFound("offer");
        if (!Offer.IsManagedBy(offer, caller)) return Problems.Forbidden("A club addresses needs with its own offers only.");
        var callerState = Need.NeedsCallerState(caller)
            ? (await store.LoadAsync(Organization.Stream(caller.OrganizationId), cancellationToken)).State
            : null;
        var change = await runner.ChangeAsync(store, Need.Stream(needId), "need",
            need => Need.IsVisibleTo(need, caller, callerState), ifMatch,
            need => Need.Decide(new AddressNeed(needId, request.OfferId), need, offer, time.GetUtcNow()),
            Writes.Metadata(http, caller), cancellationToken);
        return change.ToHttp(http.Response, need => TypedResults.Ok(NeedResponse.From(need, caller)));
    }
}
