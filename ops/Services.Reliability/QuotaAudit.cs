using System.Globalization;
using Services.Client;
using Services.Client.Models;

namespace Services.Reliability;

/// <summary>What <see cref="QuotaAudit"/> found: subscription months whose usage is not what their bookings take.</summary>
internal sealed record QuotaFindings(int Subscriptions, int Months, int Mismatches);

/// <summary>
/// Each company's subscription, read as the company (GET /v1/subscriptions/{id}): every month's
/// unitsUsed equals the units of its own bookings on that subscription in that month (the slot's date
/// in the offer's time zone) that still hold them. Confirmed and waitlisted bookings hold their units;
/// a cancelled or expired one gave them back (UnitsReleased).
/// </summary>
internal sealed class QuotaAudit(Marketplace market)
{
    private static readonly TimeZoneInfo OfferZone = TimeZoneInfo.FindSystemTimeZoneById(Marketplace.TimeZone);

    public async Task<QuotaFindings> CheckAsync(HttpClient http)
    {
        var months = 0;
        var mismatches = new List<string>();
        await Parallel.ForEachAsync(market.Companies, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (company, ct) =>
        {
            var client = new ServicesClient(http, new ServicesClientOptions { ApiKey = company.Key });
            var subscription = (await client.GetSubscriptionAsync(company.SubscriptionId, cancellationToken: ct)).Value;
            var booked = new Dictionary<string, int>(StringComparer.Ordinal);
            await foreach (var booking in client.ListBookingsAutoPagingAsync(new ListBookingsParameters { Limit = 100 }, cancellationToken: ct))
            {
                if (booking.SubscriptionId != subscription.Id || booking.Status is BookingStatus.Cancelled or BookingStatus.Expired) continue;
                var month = MonthOf(booking.SlotStart);
                booked[month] = booked.GetValueOrDefault(month) + booking.Quantity;
            }
            var shown = subscription.Usage.ToDictionary(u => u.Month, u => u.UnitsUsed, StringComparer.Ordinal);
            // Usage starts at the current month: earlier months are not shown, so not compared.
            var current = shown.Keys.Min(StringComparer.Ordinal);
            var compared = shown.Keys.Union(booked.Keys).Where(m => string.CompareOrdinal(m, current) >= 0).ToList();
            Interlocked.Add(ref months, compared.Count);
            var wrong = compared.Where(m => shown.GetValueOrDefault(m) != booked.GetValueOrDefault(m))
                .Select(m => $"subscription {subscription.Id} {m}: unitsUsed {shown.GetValueOrDefault(m)}, its live bookings take {booked.GetValueOrDefault(m)}");
            lock (mismatches) mismatches.AddRange(wrong);
        });
        foreach (var mismatch in mismatches.Take(5)) Progress.Log("usage: " + mismatch);
        return new QuotaFindings(market.Companies.Count, months, mismatches.Count);
    }

    private static string MonthOf(DateTimeOffset slotStart) =>
        TimeZoneInfo.ConvertTime(slotStart, OfferZone).ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
