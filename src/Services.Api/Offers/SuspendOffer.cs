using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Offers;

public sealed record SuspendOffer(string OfferId, string? Reason);

public static partial class Offer
{
    public static Decision<IReadOnlyList<object>> Decide(SuspendOffer command, OfferState? state, DateTimeOffset now) => state switch
    {
        null => NotFound(command.OfferId),
        { Status: OfferStatus.Withdrawn } => Withdrawn(state),
        { Status: OfferStatus.Suspended } => Decision.Refuse("offer_not_active", $"Offer {command.OfferId} is already suspended."),
        _ => Decision.Accept(new OfferSuspended(command.Reason, now)),
    };
}

/// <param name="Reason">Why, in the club's words, shown to companies; optional.</param>
public sealed record SuspendOfferRequest([property: MaxLength(Offer.MaxReason)] string? Reason = null)
{
    public Validation Validate() => new Validation().Text("reason", Reason, Offer.MaxReason, required: false);
}

public static class SuspendOfferEndpoint
{
    public static void MapSuspendOffer(this IEndpointRouteBuilder offers) =>
        offers.MapPost("/{offerId}/suspend", Handle)
            .WithName("suspendOffer")
            .WithSummary("Suspend an offer")
            .WithDescription("No new subscriptions or bookings until it is resumed; existing bookings stand. A month it stays suspended (or withdrawn) throughout a company's subscribed days charges that company no subscription fee (getCompanyUsage). The owning club or the operator. Send the ETag as If-Match to change only what you read.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("offer_withdrawn", "offer_not_active")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<OfferResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string offerId, SuspendOfferRequest? request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var validation = request?.Validate() ?? new Validation();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        return await OfferChanges.ChangeAsync(runner, store, offerId, caller, ifMatch,
            (offer, _) => Task.FromResult(Offer.Decide(new SuspendOffer(offerId, request?.Reason?.Trim()), offer, time.GetUtcNow())), http, cancellationToken);
    }
}
