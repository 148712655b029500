using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Security;

namespace Services.Api.Subscriptions;

public sealed record CancelSubscription(string SubscriptionId);

public sealed record CancelSubscriptionOutcome(IReadOnlyList<object> Subscription, IReadOnlyList<object> Company);

public static partial class Subscription
{
    /// <summary>How many of the bookings in the way a refused cancellation names.</summary>
    public const int MaxNamedBookings = 20;

    /// <param name="offer">The subscribed offer, whose time zone says which month <paramref name="now"/> is in.</param>
    public static Decision<CancelSubscriptionOutcome> Decide(CancelSubscription command, SubscriptionState? state, OfferState? offer, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.SubscriptionId);
        if (state.IsCancelled) return Cancelled(state);
        if (offer is null) return Offer.NotFound(state.OfferId);

        // Cancelled after its offer's withdrawal but before the reaction ended it: no later than that would have.
        var endsOn = EndWhenStoppedOn(state, offer.LocalDate(offer.WithdrawnAt is { } withdrawnAt && withdrawnAt < now ? withdrawnAt : now));
        // Bookings past the end would hold seats with no subscription to count them against (no
        // fee, and a new subscription's quota on top): they go first. All of them, when it never runs.
        var later = state.Units.ByBooking
            .Where(booking => endsOn < state.StartsOn || string.CompareOrdinal(booking.Value.Month, MonthOf(endsOn)) > 0)
            .Select(booking => (Id: booking.Key, booking.Value.Quantity))
            .OrderBy(booking => booking.Id, StringComparer.Ordinal)
            .ToList();
        if (later.Count > 0)
        {
            // Ids are in time order: the oldest first, so that cancelling the named ones and asking again
            // works through a long list from its start.
            string[] named = [.. later.Take(MaxNamedBookings).Select(booking => booking.Id)];
            var more = later.Count > named.Length ? $" and {later.Count - named.Length} more" : "";
            return Decision.Refuse("subscription_has_later_bookings",
                    $"Subscription {state.Id} has {later.Sum(booking => booking.Quantity)} units booked after {endsOn:yyyy-MM-dd}, when it would end, " +
                    $"in {later.Count} bookings ({string.Join(", ", named)}{more}): cancel those bookings first.")
                with { Facts = new Dictionary<string, object> { ["endsOn"] = endsOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["bookingIds"] = named, ["bookingCount"] = later.Count } };
        }
        return Decision<CancelSubscriptionOutcome>.Accept(new CancelSubscriptionOutcome(
            Subscription: [new SubscriptionCancelled(endsOn, SubscriptionEndReason.OnRequest)],
            Company: [new SubscriptionClosed(state.Id, state.OfferId, endsOn)]));
    }
}

public static class CancelSubscriptionEndpoint
{
    public static void MapCancelSubscription(this IEndpointRouteBuilder subscriptions) =>
        subscriptions.MapPost("/{subscriptionId}/cancel", Handle)
            .WithName("cancelSubscription")
            .WithSummary("Cancel a subscription")
            .WithDescription($"The subscribing company or the operator. The subscription runs until the last day of the current month (offer's calendar), then ends (one yet to start ends the day before its start: it never runs nor charges); its bookings after that day must be cancelled first (409 subscription_has_later_bookings, whose problem carries endsOn, the day it would end, bookingCount and bookingIds: the oldest {Subscription.MaxNamedBookings} of them); the company may subscribe to the offer again at once, for a subscription that starts the day after. Accepts If-Match.")
            .AllowKinds(OrganizationKind.Company)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("subscription_cancelled", "subscription_has_later_bookings")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<SubscriptionResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string subscriptionId, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var subscription = Subscription.Stream(subscriptionId);
        // The company of a subscription never changes: read it first to know which streams to lock.
        var first = (await store.LoadAsync(subscription, cancellationToken)).State;
        if (first is null || !Subscription.IsManagedBy(first, caller)) return Problems.NotFound("subscription");
        var company = Organization.Stream(first.CompanyId);
        OfferState? offer = null;
        var change = await runner.RunAsync([subscription.Id, company.Id], async (streams, ct) =>
        {
            var state = await streams.LoadAsync(subscription, ct);
            if (state is null) return Change<SubscriptionState>.NotFound("subscription");
            if (!ifMatch.Allows(streams.VersionOf(subscription.Id))) return Change<SubscriptionState>.Stale(streams.VersionOf(subscription.Id));
            offer = await streams.LoadAsync(Offer.Stream(state.OfferId), ct);
            await streams.LoadAsync(company, ct);
            var decision = Subscription.Decide(new CancelSubscription(subscriptionId), state, offer, time.GetUtcNow());
            if (decision.Refusal is { } refusal) return Refusals.ToChange<SubscriptionState>(refusal);
            var outcome = decision.Events!;
            var result = await streams.AppendAsync(Writes.Metadata(http, caller),
                [(subscription.Id, outcome.Subscription), (company.Id, outcome.Company)], ct);
            return Change<SubscriptionState>.Done(subscription.Fold(state, outcome.Subscription)!, result.VersionOf(subscription.Id), result.LastPosition);
        }, cancellationToken);
        var today = Subscription.Today(offer, time.GetUtcNow());
        return change.ToHttp(http.Response, state => TypedResults.Ok(SubscriptionResponse.From(state, today)));
    }
}
