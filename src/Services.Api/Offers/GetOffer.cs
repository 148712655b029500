using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;

namespace Services.Api.Offers;

public static class GetOfferEndpoint
{
    public static void MapGetOffer(this IEndpointRouteBuilder offers) =>
        offers.MapGet("/{offerId}", Handle)
            .WithName("getOffer")
            .AcceptsIfNoneMatch()
            .WithSummary("Read an offer")
            .WithDescription("Offers are public: any organization may read them, whatever their status.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<OfferResponse>, ProblemHttpResult>> Handle(
        string offerId, EventStore.EventStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var loaded = await store.LoadAsync(Offer.Stream(offerId), cancellationToken);
        if (loaded.State is null) return Problems.NotFound("offer");
        ETags.Set(http.Response, loaded.Version);
        return TypedResults.Ok(OfferResponse.From(loaded.State));
    }
}
