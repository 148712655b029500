using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.Offers;

namespace Services.Api.Usage;

/// <summary>One slot of the month of a club's offer.</summary>
/// <param name="SlotId">The slot (`slt_…`).</param>
/// <param name="Start">The slot's start; its local date in the offer's time zone puts it in the month.</param>
/// <param name="Capacity">Units (seats, places) the slot offers.</param>
/// <param name="Cancelled">Cancelled by the club: its bookings, waiting ones included, were cancelled with it.</param>
/// <param name="Units">Its bookings' units, by what became of them.</param>
/// <param name="Waitlist">Its units waiting for a seat now, or that were still waiting when it started.</param>
public sealed record ClubSlotDeliveriesResponse(string SlotId, DateTimeOffset Start, int Capacity, bool Cancelled, DeliveredUnits Units, WaitlistUnits Waitlist);

/// <summary>One offer of the club, with its slots of the month in start order.</summary>
/// <param name="OfferId">The offer (`off_…`).</param>
/// <param name="Title">The offer's title now.</param>
/// <param name="Category">The offer's category.</param>
/// <param name="TimeZone">The offer's time zone, whose calendar month the slots are of.</param>
/// <param name="Slots">Its slots of the month, cancelled ones included, in start order.</param>
/// <param name="Units">Sums of its slots.</param>
/// <param name="Waitlist">Sums of its slots.</param>
/// <param name="FillRate">Units attended / capacity of its slots of the month that have started and were not cancelled, 0..1 (4 decimals), as the indicators compute it; null before any has started.</param>
public sealed record ClubOfferDeliveriesResponse(
    string OfferId, string Title, Category Category, string TimeZone, IReadOnlyList<ClubSlotDeliveriesResponse> Slots, DeliveredUnits Units, WaitlistUnits Waitlist, double? FillRate);

/// <summary>What became of the bookings of a club's offers in a calendar month, per offer and slot: exact counts of its own offers, with their unmet demand. No personal data.</summary>
/// <param name="ClubId">The club (`org_…`).</param>
/// <param name="Month">The calendar month (YYYY-MM), in each offer's time zone.</param>
/// <param name="Offers">The club's offers with slots of the month (only the one asked for, with offerId), in offer id order.</param>
/// <param name="Totals">Sums of every offer's units.</param>
/// <param name="Waitlist">Sums of every offer's waitlist.</param>
public sealed record ClubDeliveriesResponse(string ClubId, string Month, [property: Description(FinalFigures.ProvisionalDescription)] bool Provisional,
    [property: Description(FinalFigures.FinalFromDescription)] DateTimeOffset FinalFrom, IReadOnlyList<ClubOfferDeliveriesResponse> Offers, DeliveredUnits Totals, WaitlistUnits Waitlist);

public static class ClubDeliveriesEndpoint
{
    public static void MapClubDeliveries(this IEndpointRouteBuilder v1) =>
        v1.MapGet("/clubs/{clubId}/deliveries", Handle)
            .WithTags("Usage")
            .WithName("getClubDeliveries")
            .WithSummary("What became of the bookings of a club's offers in a month, per offer and slot")
            .WithDescription("""
                Visible to the club itself and the operator (anyone else: 404). To run its offers: each slot of the month of the
                club's offers, including those cancelled, grouped per offer, with exact counts (no "<5" masking as in getDemand:
                every figure is of the club's own offers, whose bookings it may list anyway). Units as in getProviderDeliveries:
                booked (confirmed, promoted ones included, and not cancelled) = attended + noShow + unrecorded + upcoming. Waitlist:
                waitlisted, units waiting now for a seat on slots not started; expired, units still waiting when their slot started
                (unmet demand, counted from the slot's start). fillRate per offer: units attended / capacity of its slots that have
                started and were not cancelled, as getIndicators computes it; null before any has started. offerId narrows the read
                to one offer; an offer that is not the club's answers 404 as an unknown one. Months follow the offer's time zone (a
                slot belongs to the month of its local start date), as in getCompanyUsage. Counts only: no beneficiary or company.
                Read model 'insights': eventually consistent; pass minPosition to read your writes.
                """)
            .ProducesUsageReadProblems();

    private static async Task<Results<Ok<ClubDeliveriesResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string clubId,
        [Description("Only this offer of the club."), Id(Ids.Offer)] string? offerId,
        [AsParameters] UsageReadContext context,
        CancellationToken cancellationToken)
    {
        if (new Validation().Id("offerId", offerId, Ids.Offer, required: false) is { IsValid: false } invalid) return Problems.Invalid(invalid.Errors);
        var scope = new DeliveriesScope(ClubId: clubId, OfferId: offerId);
        return await UsageEndpoints.ReadNarrowedMonthAsync(clubId, OrganizationKind.Club, context,
            async token => offerId is null || (await context.Store.LoadAsync(Offer.Stream(offerId), token)).State?.ClubId == clubId ? null : Problems.NotFound("offer"),
            async (month, token) => Deliveries(clubId, month, await DeliveredSlots.ReadAsync(context.DataSource, scope, month.FirstDay, context.Time.GetUtcNow(), token)),
            cancellationToken);
    }

    private static ClubDeliveriesResponse Deliveries(string clubId, UsageMonth month, IReadOnlyList<DeliveredSlotFacts> slots)
    {
        var offers = DeliveredSlots.PerOffer(slots, (first, offerSlots) =>
        {
            var delivered = offerSlots.Select(s => new ClubSlotDeliveriesResponse(s.Slot.SlotId, s.Slot.Start, s.Slot.Capacity, s.Slot.Cancelled, s.Slot.Units, s.Waitlist)).ToList();
            var attended = delivered.Sum(s => s.Units.Attended);
            // Seats yet to come are not empty ones, nor those of a cancelled slot.
            var capacity = offerSlots.Where(s => s.Started && !s.Slot.Cancelled).Sum(s => s.Slot.Capacity);
            return new ClubOfferDeliveriesResponse(first.OfferId, first.Title, first.Category, first.TimeZone, delivered,
                DeliveredUnits.Sum(delivered.Select(s => s.Units)), WaitlistUnits.Sum(delivered.Select(s => s.Waitlist)), InsightReads.Ratio(attended, capacity));
        });
        return new ClubDeliveriesResponse(clubId, month.Name, month.Provisional, month.FinalFrom, offers,
            DeliveredUnits.Sum(offers.Select(o => o.Units)), WaitlistUnits.Sum(offers.Select(o => o.Waitlist)));
    }
}
