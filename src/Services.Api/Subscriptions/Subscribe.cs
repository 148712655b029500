using System.Globalization;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Security;
using Services.Api.Slots;

namespace Services.Api.Subscriptions;

public sealed record Subscribe(string SubscriptionId, string CompanyId, string OfferId, int MonthlyQuota, DateOnly StartsOn);

public sealed record SubscribeOutcome(IReadOnlyList<object> Subscription, IReadOnlyList<object> Company);

public static partial class Subscription
{
    /// <param name="club">The state of the offer's club, whose members alone may subscribe.</param>
    public static Decision<SubscribeOutcome> Decide(
        Subscribe command,
        SubscriptionState? state,
        OfferState? offer,
        OrganizationState? club,
        OrganizationState? company,
        DateTimeOffset now)
    {
        if (state is not null)
            return Decision.Refuse("subscription_exists", $"Subscription {command.SubscriptionId} already exists.");
        if (offer is null) return Offer.NotFound(command.OfferId);
        if (Offer.Unavailable(offer) is { } unavailable) return unavailable;
        if (!Organization.IsA(OrganizationKind.Company, command.CompanyId, company, out var refusal)) return refusal;
        if (!Organization.IsA(OrganizationKind.Club, offer.ClubId, club, out refusal)) return refusal;
        if (!club.Members.Contains(command.CompanyId))
            return Decision.Refuse("not_a_member", $"Company {command.CompanyId} is not a member of club {offer.ClubId}, which runs offer {offer.Id}.");
        if (company.ActiveSubscriptionsByOffer.TryGetValue(offer.Id, out var existing))
            return Decision.Refuse("subscription_exists", $"Company {command.CompanyId} already has subscription {existing} to offer {offer.Id}.")
                with { Facts = new Dictionary<string, object> { ["existingSubscriptionId"] = existing } };
        if (company.CancelledSubscriptionsEndingOn.TryGetValue(offer.Id, out var endsOn) && command.StartsOn <= endsOn)
            return Decision.Refuse("subscription_exists",
                    $"Company {command.CompanyId}'s cancelled subscription to offer {offer.Id} runs until {endsOn:yyyy-MM-dd}: a new one starts on {endsOn.AddDays(1):yyyy-MM-dd} at the earliest.")
                with { Facts = new Dictionary<string, object> { ["earliestStartsOn"] = endsOn.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) } };
        if (command.MonthlyQuota < 1)
            return Decision.Refuse("invalid_quota", $"A monthly quota is at least 1 unit; got {command.MonthlyQuota}.");

        return Decision<SubscribeOutcome>.Accept(new SubscribeOutcome(
            Subscription: [new Subscribed(command.SubscriptionId, command.CompanyId, offer.Id, offer.ClubId, command.MonthlyQuota, command.StartsOn, now)],
            Company: [new SubscriptionOpened(command.SubscriptionId, offer.Id)]));
    }
}

/// <param name="CompanyId">The subscribing company: a company subscribes for itself and may omit it; the operator must give it.</param>
/// <param name="StartsOn">The first day bookings may fall on, in the offer's calendar, at most 3 years ahead (as slots); defaults to today.</param>
/// <param name="OfferId">The offer (`off_…`) to subscribe to: of a club the company is a member of.</param>
/// <param name="MonthlyQuota">Units its bookings may take in each month of the offer's calendar.</param>
public sealed record SubscribeRequest(
    [property: Id(Ids.Offer)] string OfferId,
    [property: Range(1, Subscription.MaxMonthlyQuota)] int MonthlyQuota,
    DateOnly? StartsOn = null,
    [property: Id(Ids.Organization)] string? CompanyId = null)
{
    public Validation Validate(Caller caller) => new Validation()
        .Id("offerId", OfferId, Ids.Offer)
        .Range("monthlyQuota", MonthlyQuota, 1, Subscription.MaxMonthlyQuota)
        .Id("companyId", CompanyId, Ids.Organization, required: caller.IsOperator);
}

public static class SubscribeEndpoint
{
    public static void MapSubscribe(this IEndpointRouteBuilder subscriptions) =>
        subscriptions.MapPost("", Handle)
            .WithName("subscribe")
            .AnswersWithVersion()
            .WithSummary("Subscribe a company to an offer")
            .WithDescription("A member company of the offer's club subscribes for itself (the operator gives companyId). One active subscription per company and offer (409 subscription_exists, naming the active one in existingSubscriptionId): after a cancellation, the new one starts the day after the cancelled one ends (the default startsOn then; an earlier startsOn gets 409 subscription_exists with earliestStartsOn). The monthly quota caps the units its bookings take in each month of the offer's calendar.")
            .AllowKinds(OrganizationKind.Company)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("offer_withdrawn", "offer_suspended", "not_a_company", "not_a_member", "subscription_exists");

    private static async Task<Results<Created<SubscriptionResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        SubscribeRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = request.Validate(caller);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (caller.ActsFor(request.CompanyId) is not { } companyId)
            return Problems.Forbidden("A company subscribes for itself: omit companyId or give your own id.");
        // An offer's time zone never changes, so the start date can be checked before taking the locks.
        var offerNow = (await store.LoadAsync(Offer.Stream(request.OfferId), cancellationToken)).State;
        if (offerNow is null) return Problems.NotFound("offer");
        var today = Subscription.Today(offerNow, time.GetUtcNow());
        if (request.StartsOn < today)
            return Problems.Invalid("startsOn", "A subscription cannot start in the past (in the offer's time zone).");
        if (request.StartsOn > today.AddYears(Slot.MaxYearsAhead))
            return Problems.Invalid("startsOn", $"A subscription starts at most {Slot.MaxYearsAhead} years ahead, as slots do.");

        var subscriptionId = Ids.New(Ids.Subscription);
        var subscription = Subscription.Stream(subscriptionId);
        var company = Organization.Stream(companyId);
        var change = await runner.RunAsync([subscription.Id, company.Id], async (streams, ct) =>
        {
            var now = time.GetUtcNow();
            var offer = await streams.LoadAsync(Offer.Stream(request.OfferId), ct);
            var companyState = await streams.LoadAsync(company, ct);
            if (companyState is null) return Change<SubscriptionState>.NotFound("company");
            var club = offer is null ? null : await streams.LoadAsync(Organization.Stream(offer.ClubId), ct);
            var state = streams.New(subscription);
            var startsOn = request.StartsOn ?? Subscription.FirstFreeDay(companyState, request.OfferId, today);
            var decision = Subscription.Decide(
                new Subscribe(subscriptionId, companyId, request.OfferId, request.MonthlyQuota, startsOn), state, offer, club, companyState, now);
            if (decision.Refusal is { } refusal) return Refusals.ToChange<SubscriptionState>(refusal);
            var outcome = decision.Events!;
            var result = await streams.AppendAsync(Writes.Metadata(http, caller),
                [(subscription.Id, outcome.Subscription), (company.Id, outcome.Company)], ct);
            return Change<SubscriptionState>.Done(subscription.Fold(state, outcome.Subscription)!, result.VersionOf(subscription.Id), result.LastPosition);
        }, cancellationToken);
        return change.ToHttp(http.Response, state => TypedResults.Created($"/v1/subscriptions/{state.Id}", SubscriptionResponse.From(state, today)));
    }
}
