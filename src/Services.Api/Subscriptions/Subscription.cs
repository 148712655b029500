using System.Globalization;
using System.Text.Json.Serialization;
using Services.Api.Common;
using Services.Api.Organizations;

namespace Services.Api.Subscriptions;

/// <param name="SubscriptionId">The new subscription's id (`sub_…`).</param>
/// <param name="CompanyId">The subscribed company (`org_…`).</param>
/// <param name="OfferId">The offer (`off_…`) subscribed to.</param>
/// <param name="ClubId">The club (`org_…`) that runs the offer.</param>
/// <param name="MonthlyQuota">Units its bookings may take in each month of the offer's calendar.</param>
/// <param name="StartsOn">Its first day (YYYY-MM-DD), in the offer's time zone.</param>
/// <param name="SubscribedAt">When the company subscribed (UTC).</param>
public sealed record Subscribed(
    string SubscriptionId,
    string CompanyId,
    string OfferId,
    string ClubId,
    int MonthlyQuota,
    DateOnly StartsOn,
    DateTimeOffset SubscribedAt);

/// <param name="MonthlyQuota">Units its bookings may take in each month of the offer's calendar, from now on.</param>
public sealed record QuotaChanged(int MonthlyQuota);

/// <summary>The subscription runs until <see cref="EndsOn"/>, the last day of the month it was cancelled in.</summary>
/// <param name="EndsOn">Its last day (YYYY-MM-DD), in the offer's time zone: slots starting later cannot be booked with it.</param>
/// <param name="Reason">Why it was cancelled: on_request (by its company), membership_removed (its company removed from the offer's club) or offer_withdrawn. Null in cancellations recorded before it was kept (November 2026).</param>
public sealed record SubscriptionCancelled(DateOnly EndsOn, SubscriptionEndReason? Reason = null);

/// <summary>Why a subscription ended: its company cancelled it, was removed from the offer's club, or the offer was withdrawn.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SubscriptionEndReason>))]
public enum SubscriptionEndReason
{
    [JsonStringEnumMemberName("on_request")] OnRequest,
    [JsonStringEnumMemberName("membership_removed")] MembershipRemoved,
    [JsonStringEnumMemberName("offer_withdrawn")] OfferWithdrawn,
}

/// <summary>Units a booking takes from the quota of <see cref="Month"/> (<c>YYYY-MM</c>), whether confirmed or waitlisted.</summary>
/// <param name="BookingId">The booking (`bkg_…`) that takes them.</param>
/// <param name="Month">The month (YYYY-MM) of the slot's start, in the offer's time zone.</param>
/// <param name="Quantity">Units taken from that month's quota.</param>
public sealed record UnitsCounted(string BookingId, string Month, int Quantity);

/// <param name="BookingId">The booking (`bkg_…`) that gives them back (cancelled or expired).</param>
/// <param name="Month">The month (YYYY-MM) of the slot's start, in the offer's time zone.</param>
/// <param name="Quantity">Units given back to that month's quota.</param>
public sealed record UnitsReleased(string BookingId, string Month, int Quantity);

/// <summary>A value kept inline in the subscription's map of bookings: no object of its own per booking.</summary>
public readonly record struct CountedUnits(string Month, int Quantity);

public sealed record SubscriptionState(
    string Id,
    string CompanyId,
    string OfferId,
    string ClubId,
    int MonthlyQuota,
    DateOnly StartsOn,
    DateOnly? EndsOn,
    QuotaUse Units,
    SubscriptionEndReason? EndReason = null)
{
    public bool IsCancelled => EndsOn is not null;

    public int UnitsUsedIn(string month) => Units.In(month);

    /// <summary>Whether it ended before <paramref name="day"/> (offer's calendar): a slot on that day is not served by it.</summary>
    public bool EndedBefore(DateOnly day) => EndsOn < day;

    /// <summary>
    /// Whether a counted booking's month is within the quota, its own units among those counted: a
    /// quota lowered since may leave a waiting booking over it, and then it is not promoted.
    /// </summary>
    public bool StillFits(string bookingId) =>
        !Units.ByBooking.TryGetValue(bookingId, out var counted) || UnitsUsedIn(counted.Month) <= MonthlyQuota;
}

public static partial class Subscription
{
    public const string StreamType = "subscription";

    public static string StreamId(string subscriptionId) => $"subscription-{subscriptionId}";

    public static string MonthOf(DateOnly date) => date.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The last day of <paramref name="day"/>'s month, where a subscription ended that month stops.</summary>
    public static DateOnly EndOfMonth(DateOnly day) => new(day.Year, day.Month, DateTime.DaysInMonth(day.Year, day.Month));

    /// <summary>
    /// Where a subscription stopped on <paramref name="day"/> (cancelled, or its offer withdrawn) ends: with that
    /// month, whose fee is due; or the day before its start when it was yet to start, so that it never runs nor charges.
    /// </summary>
    public static DateOnly EndWhenStoppedOn(SubscriptionState state, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.StartsOn > day ? state.StartsOn.AddDays(-1) : EndOfMonth(day);
    }

    public static SubscriptionState? Evolve(SubscriptionState? state, object @event) => (state, @event) switch
    {
        (null, Subscribed e) => new SubscriptionState(
            e.SubscriptionId, e.CompanyId, e.OfferId, e.ClubId, e.MonthlyQuota, e.StartsOn, EndsOn: null,
            QuotaUse.None),
        ({ } s, QuotaChanged e) => s with { MonthlyQuota = e.MonthlyQuota },
        ({ } s, SubscriptionCancelled e) => s with { EndsOn = e.EndsOn, EndReason = e.Reason },
        ({ } s, UnitsCounted e) => s with { Units = s.Units.Count(e.BookingId, new CountedUnits(e.Month, e.Quantity)) },
        ({ } s, UnitsReleased e) => s with { Units = s.Units.Release(e.BookingId) },
        _ => state,
    };

    /// <summary>Gives back to the quota everything a booking took, in the month it was counted in.</summary>
    internal static UnitsReleased Release(SubscriptionState subscription, string bookingId)
    {
        var units = subscription.Units.ByBooking[bookingId];
        return new UnitsReleased(bookingId, units.Month, units.Quantity);
    }

    /// <summary>Ends a subscription stopped from outside (its offer withdrawn, its company removed) on <paramref name="endsOn"/>, unless it already ends by then.</summary>
    internal static Decision<CancelSubscriptionOutcome> EndBy(SubscriptionState state, DateOnly endsOn, SubscriptionEndReason reason) =>
        state.EndsOn <= endsOn
            ? Decision<CancelSubscriptionOutcome>.Accept(new CancelSubscriptionOutcome([], []))
            : Decision<CancelSubscriptionOutcome>.Accept(new CancelSubscriptionOutcome(
                Subscription: [new SubscriptionCancelled(endsOn, reason)],
                Company: [new SubscriptionClosed(state.Id, state.OfferId, endsOn)]));

    internal static Refusal NotFound(string subscriptionId) =>
        Decision.Refuse("subscription_not_found", $"Subscription {subscriptionId} does not exist.");

    internal static Refusal Cancelled(SubscriptionState subscription) =>
        Decision.Refuse("subscription_cancelled", $"Subscription {subscription.Id} is cancelled; it ends on {subscription.EndsOn:yyyy-MM-dd}.");
}
