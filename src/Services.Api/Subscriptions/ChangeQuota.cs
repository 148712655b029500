using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Security;

namespace Services.Api.Subscriptions;

/// <summary>Applies to bookings made from now on; units already counted stay counted.</summary>
public sealed record ChangeQuota(string SubscriptionId, int MonthlyQuota);

public static partial class Subscription
{
    public static Decision<IReadOnlyList<object>> Decide(ChangeQuota command, SubscriptionState? state, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.SubscriptionId);
        if (state.IsCancelled) return Cancelled(state);
        if (command.MonthlyQuota < 1)
            return Decision.Refuse("invalid_quota", $"A monthly quota is at least 1 unit; got {command.MonthlyQuota}.");
        if (command.MonthlyQuota == state.MonthlyQuota) return Decision.Accept();

        return Decision.Accept(new QuotaChanged(command.MonthlyQuota));
    }
}

/// <param name="MonthlyQuota">Units the subscription's bookings may take in each month of the offer's calendar, from now on.</param>
public sealed record ChangeQuotaRequest([property: Range(1, Subscription.MaxMonthlyQuota)] int MonthlyQuota)
{
    public Validation Validate() => new Validation().Range("monthlyQuota", MonthlyQuota, 1, Subscription.MaxMonthlyQuota);
}

public static class ChangeQuotaEndpoint
{
    public static void MapChangeQuota(this IEndpointRouteBuilder subscriptions) =>
        subscriptions.MapPatch("/{subscriptionId}", Handle)
            .WithName("changeSubscriptionQuota")
            .WithSummary("Change a subscription's monthly quota")
            .WithDescription("The subscribing company or the operator. Applies to bookings made from now on; units already counted stay counted, and a waitlisted booking of a month left over the new quota is passed over when seats are freed (it keeps its place, and goes first once the month is back within quota: when seats are next freed or booked on its slot). Send the ETag as If-Match to change only what you read.")
            .AllowKinds(OrganizationKind.Company)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("subscription_cancelled")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<SubscriptionResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string subscriptionId, ChangeQuotaRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var validation = request.Validate();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var change = await runner.ChangeAsync(store, Subscription.Stream(subscriptionId), "subscription",
            state => Subscription.IsManagedBy(state, caller), ifMatch,
            state => Subscription.Decide(new ChangeQuota(subscriptionId, request.MonthlyQuota), state, time.GetUtcNow()),
            Writes.Metadata(http, caller), cancellationToken);
        var offer = change.State is { } changed ? (await store.LoadAsync(Offer.Stream(changed.OfferId), cancellationToken)).State : null;
        var today = Subscription.Today(offer, time.GetUtcNow());
        return change.ToHttp(http.Response, state => TypedResults.Ok(SubscriptionResponse.From(state, today)));
    }
}
