using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Security;

namespace Services.Api.Subscriptions;

public enum SubscriptionStatus
{
    Active,
    Cancelled,
}

/// <summary>Units a subscription has taken in one month of the offer's calendar (confirmed and waitlisted bookings alike).</summary>
/// <param name="Month">The month, YYYY-MM, in the offer's time zone.</param>
/// <param name="UnitsUsed">Units its bookings of slots starting that month hold or wait for; cancelled and expired bookings give theirs back.</param>
/// <param name="UnitsRemaining">Units it may still book that month: the monthly quota − units used, never below 0 (a lowered quota can leave fewer than used).</param>
public sealed record SubscriptionMonthUsage(string Month, int UnitsUsed, int UnitsRemaining);

/// <summary>
/// A subscription as the API shows it. <see cref="Usage"/> lists the months it may still be booked in (in the
/// offer's time zone): the current and the next, or its first two when it starts later, none after it ends; and every
/// later month with units counted, so a company sees what is left of its quota.
/// A cancelled subscription still runs until <see cref="EndsOn"/>.
/// </summary>
/// <param name="ClubId">The club that runs the offer.</param>
/// <param name="Status">active, or cancelled (by its company, because it was removed from the offer's club, or because the offer was withdrawn: endReason says which; it still runs until endsOn).</param>
/// <param name="MonthlyQuota">Units its bookings may take in each month of the offer's calendar.</param>
/// <param name="StartsOn">Its first day, in the offer's time zone: slots starting on an earlier day cannot be booked with it.</param>
/// <param name="EndsOn">Its last day once cancelled: the end of the month it was cancelled in, or of the month its offer was withdrawn in; the day before startsOn when it was yet to start then (it never runs). Slots starting on a later day cannot be booked with it. Null while active.</param>
/// <param name="EndReason">Why it was cancelled: on_request (by its company), membership_removed (its company was removed from the offer's club) or offer_withdrawn; null while active, and for subscriptions cancelled before this was recorded.</param>
/// <param name="Usage">Units used and left, per month.</param>
/// <param name="Id">The subscription's id (`sub_…`).</param>
/// <param name="CompanyId">The subscribed company (`org_…`).</param>
/// <param name="CompanyName">The subscribed company's name now, so that the offer's club, who may not read the company itself, knows whose subscription it is: from the company in getSubscription, from the insights read model in listSubscriptions (eventually consistent: a rename may show a moment later; null while that read model is being rebuilt). Null in the answers of subscribe, changeSubscriptionQuota and cancelSubscription, which do not read the company: read the subscription for it.</param>
/// <param name="OfferId">The offer (`off_…`) subscribed to.</param>
public sealed record SubscriptionResponse(
    string Id,
    string CompanyId,
    [property: AddedLater] string? CompanyName,
    string OfferId,
    string ClubId,
    SubscriptionStatus Status,
    int MonthlyQuota,
    DateOnly StartsOn,
    DateOnly? EndsOn,
    [property: AddedLater] SubscriptionEndReason? EndReason,
    IReadOnlyList<SubscriptionMonthUsage> Usage)
{
    /// <summary>As a command answers it: without the company's name, which it does not read.</summary>
    public static SubscriptionResponse From(SubscriptionState state, DateOnly today) => From(state, null, state.Units.ByMonth, today);

    /// <param name="companyName">The company's name now; null where the answer does not read it.</param>
    /// <param name="unitsByMonth">Units taken per month (months without any may be left out).</param>
    public static SubscriptionResponse From(SubscriptionState state, string? companyName, IReadOnlyDictionary<string, int> unitsByMonth, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(unitsByMonth);
        var current = Subscription.MonthOf(today);
        // The months it may still be booked in: the first two from today (or from its start, when later), none after it ends.
        var firstDay = state.StartsOn > today ? state.StartsOn : today;
        DateOnly[] open = state.EndsOn is { } endsOn && endsOn < firstDay ? [] : [firstDay, firstDay.AddMonths(1)];
        var months = unitsByMonth.Keys
            .Where(month => string.CompareOrdinal(month, current) >= 0)
            .Concat(open
                .Where(day => state.EndsOn is not { } ends || day <= Subscription.EndOfMonth(ends))
                .Select(Subscription.MonthOf))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return new SubscriptionResponse(
            state.Id, state.CompanyId, companyName, state.OfferId, state.ClubId,
            state.IsCancelled ? SubscriptionStatus.Cancelled : SubscriptionStatus.Active,
            state.MonthlyQuota, state.StartsOn, state.EndsOn, state.EndReason,
            [.. months.Select(month =>
            {
                var used = unitsByMonth.GetValueOrDefault(month);
                return new SubscriptionMonthUsage(month, used, Math.Max(0, state.MonthlyQuota - used));
            })]);
    }
}

public static partial class Subscription
{
    public static StreamRef<SubscriptionState> Stream(string subscriptionId) => new(StreamId(subscriptionId), StreamType, Evolve);

    /// <summary>Upper bound of a monthly quota, in units.</summary>
    public const int MaxMonthlyQuota = 10_000;

    /// <summary>The subscribing company, the offer's club and the operator; to anyone else it does not exist.</summary>
    public static bool IsVisibleTo(SubscriptionState subscription, Caller caller) =>
        caller.IsOperator || caller.OrganizationId == subscription.CompanyId || caller.OrganizationId == subscription.ClubId;

    /// <summary>Only the subscribing company (and the operator) change or cancel it.</summary>
    public static bool IsManagedBy(SubscriptionState subscription, Caller caller) =>
        caller.IsOperator || caller.OrganizationId == subscription.CompanyId;

    /// <summary>Today in the offer's calendar, which quota months follow.</summary>
    internal static DateOnly Today(OfferState? offer, DateTimeOffset now) =>
        offer?.LocalDate(now) ?? DateOnly.FromDateTime(now.UtcDateTime);

    /// <summary>The first day a new subscription of <paramref name="company"/> to the offer may start: today, or the day after a cancelled one ends.</summary>
    internal static DateOnly FirstFreeDay(OrganizationState company, string offerId, DateOnly today) =>
        company.CancelledSubscriptionsEndingOn.TryGetValue(offerId, out var endsOn) && endsOn >= today ? endsOn.AddDays(1) : today;
}

public static class SubscriptionEndpoints
{
    public static IEndpointRouteBuilder MapSubscriptions(this IEndpointRouteBuilder v1)
    {
        var subscriptions = v1.MapGroup("/subscriptions").WithTags("Subscriptions");
        subscriptions.MapSubscribe();
        subscriptions.MapListSubscriptions();
        subscriptions.MapGetSubscription();
        subscriptions.MapChangeQuota();
        subscriptions.MapCancelSubscription();
        return v1;
    }
}

/// <summary>Maps a refusal decided on several streams: a referenced resource that does not exist is a 404, not a broken rule.</summary>
internal static class Refusals
{
    private const string NotFoundSuffix = "_not_found";

    public static Change<T> ToChange<T>(Refusal refusal) =>
        refusal.Code.EndsWith(NotFoundSuffix, StringComparison.Ordinal)
            ? Change<T>.NotFound(refusal.Code[..^NotFoundSuffix.Length])
            : Change<T>.Refused(refusal);
}
