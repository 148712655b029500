using System.Collections.Immutable;

namespace Services.Api.Subscriptions;

/// <summary>
/// The units a subscription's bookings took from its quota: per booking, to give them back, and
/// per month, so that checking the quota costs the same after ten bookings or a hundred thousand.
/// A month is listed while it has units: a booking takes at least one (BookSeat refuses less).
/// </summary>
public sealed class QuotaUse
{
    public static readonly QuotaUse None = new(
        ImmutableDictionary.Create<string, CountedUnits>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, int>(StringComparer.Ordinal));

    private readonly ImmutableDictionary<string, CountedUnits> _byBooking;
    private readonly ImmutableDictionary<string, int> _byMonth;

    private QuotaUse(ImmutableDictionary<string, CountedUnits> byBooking, ImmutableDictionary<string, int> byMonth)
    {
        _byBooking = byBooking;
        _byMonth = byMonth;
    }

    public IReadOnlyDictionary<string, CountedUnits> ByBooking => _byBooking;

    /// <summary>Units taken per month (<c>YYYY-MM</c>), for the months some booking took units of.</summary>
    public IReadOnlyDictionary<string, int> ByMonth => _byMonth;

    public int In(string month) => _byMonth.GetValueOrDefault(month);

    /// <summary>The booking's units, in place of any it took before.</summary>
    public QuotaUse Count(string bookingId, CountedUnits units)
    {
        var without = Release(bookingId);
        // Each event brings its own copy of the month's name; a cached subscription with thousands of
        // bookings in a few months keeps one per month instead.
        var month = without._byMonth.TryGetKey(units.Month, out var listed) ? listed : units.Month;
        return new QuotaUse(without._byBooking.SetItem(bookingId, units with { Month = month }), without._byMonth.SetItem(month, without.In(month) + units.Quantity));
    }

    public QuotaUse Release(string bookingId)
    {
        if (!_byBooking.TryGetValue(bookingId, out var units)) return this;
        var left = In(units.Month) - units.Quantity;
        return new QuotaUse(_byBooking.Remove(bookingId), left == 0 ? _byMonth.Remove(units.Month) : _byMonth.SetItem(units.Month, left));
    }
}
