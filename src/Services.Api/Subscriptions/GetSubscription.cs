using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Security;

namespace Services.Api.Subscriptions;

public static class GetSubscriptionEndpoint
{
    public static void MapGetSubscription(this IEndpointRouteBuilder subscriptions) =>
        subscriptions.MapGet("/{subscriptionId}", Handle)
            .WithName("getSubscription")
            // Not If-None-Match: its usage shows the months from today's, which move on without a new version.
            .AnswersWithVersion()
            .WithSummary("Read a subscription and its quota usage")
            .WithDescription("The subscribing company, the offer's club or the operator. Usage shows the units taken in the current and coming months of the offer's calendar.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Handle(
        string subscriptionId, Caller caller, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var loaded = await store.LoadAsync(Subscription.Stream(subscriptionId), cancellationToken);
        if (loaded.State is null || !Subscription.IsVisibleTo(loaded.State, caller)) return Problems.NotFound("subscription");
        var offer = (await store.LoadAsync(Offer.Stream(loaded.State.OfferId), cancellationToken)).State;
        var company = (await store.LoadAsync(Organization.Stream(loaded.State.CompanyId), cancellationToken)).State;
        ETags.Set(http.Response, loaded.Version);
        return TypedResults.Ok(SubscriptionResponse.From(loaded.State, company?.Name, loaded.State.Units.ByMonth, Subscription.Today(offer, time.GetUtcNow())));
    }
}
