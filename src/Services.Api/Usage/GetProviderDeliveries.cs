using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Demand;

namespace Services.Api.Usage;

/// <summary>One slot of the month.</summary>
/// <param name="Start">The slot's start; its local date in the offer's time zone puts it in the month.</param>
/// <param name="Cancelled">Cancelled by its club: its bookings were cancelled with it, so none are booked.</param>
/// <param name="SlotId">The slot (`slt_…`).</param>
/// <param name="Capacity">Units (seats, places) the slot offers.</param>
/// <param name="Units">Its bookings' units, by what became of them.</param>
public sealed record DeliveredSlotResponse(string SlotId, DateTimeOffset Start, int Capacity, bool Cancelled, DeliveredUnits Units);

/// <summary>One offer the provider delivers, with its slots of the month it delivers (or delivered) in start order.</summary>
/// <param name="Title">The offer's title now.</param>
/// <param name="TimeZone">The offer's time zone, whose calendar month the slots are of.</param>
/// <param name="Units">Sums of its slots.</param>
/// <param name="OfferId">The offer (`off_…`).</param>
/// <param name="ClubId">The club (`org_…`) that runs it: the one to invoice.</param>
/// <param name="Category">The offer's category.</param>
/// <param name="Slots">Its slots of the month the provider delivers or delivered, in start order.</param>
public sealed record DeliveredOfferResponse(
    string OfferId, string ClubId, string Title, Category Category, string TimeZone, IReadOnlyList<DeliveredSlotResponse> Slots, DeliveredUnits Units);

/// <summary>What a provider delivered in a calendar month: per offer and slot, units booked and what became of them. No personal data.</summary>
/// <param name="Offers">The offers with slots of the month whose terms, in force when each started, named the provider; in offer id order.</param>
/// <param name="Totals">Sums of every offer.</param>
/// <param name="ProviderId">The provider (`org_…`).</param>
/// <param name="Month">The calendar month (YYYY-MM), in each offer's time zone.</param>
public sealed record ProviderDeliveriesResponse(string ProviderId, string Month, [property: Description(FinalFigures.ProvisionalDescription)] bool Provisional,
    [property: Description(FinalFigures.FinalFromDescription)] DateTimeOffset FinalFrom, IReadOnlyList<DeliveredOfferResponse> Offers, DeliveredUnits Totals);

public static class ProviderDeliveriesEndpoint
{
    public static void MapProviderDeliveries(this IEndpointRouteBuilder v1) =>
        v1.MapGet("/providers/{providerId}/deliveries", Handle)
            .WithTags("Usage")
            .WithName("getProviderDeliveries")
            .WithSummary("What a provider delivered in a month, per offer and slot")
            .WithDescription("""
                Visible to the provider itself and the operator (anyone else: 404). To invoice the clubs or check their figures:
                each slot of the month, including those cancelled, whose offer named the provider among its providerIds in the
                terms in force when the slot started (for a slot not started yet: the offer's providerIds now), grouped per offer,
                with its units. An offer handed to another provider stays on the former one's deliveries for its slots started
                before the hand-over and is on the new one's for those after (the bookings a provider may read follow the
                providerIds now instead). Units: booked (confirmed, promoted ones included,
                and not cancelled) = attended + noShow + unrecorded + upcoming. unrecorded: units of slots that have started whose attendance
                is not recorded (the provider's to-do: due now, or for good once 30 days have passed since the slot started, when it can no
                longer be recorded; unrecorded units are not charged on statements); upcoming: units of slots not started yet, nothing to
                record before they start. Months follow the offer's time zone
                (a slot belongs to the month of its local start date), as in getCompanyUsage. Counts only: no beneficiary or
                company. Read model 'insights': eventually consistent; pass minPosition to read your writes.
                """)
            .ProducesUsageReadProblems();

    private static Task<Results<Ok<ProviderDeliveriesResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string providerId,
        [AsParameters] UsageReadContext context,
        CancellationToken cancellationToken) =>
        UsageEndpoints.ReadMonthAsync(providerId, OrganizationKind.Provider, context,
            async (month, token) => Deliveries(providerId, month,
                await DeliveredSlots.ReadAsync(context.DataSource, new DeliveriesScope(ProviderId: providerId), month.FirstDay, context.Time.GetUtcNow(), token)),
            cancellationToken);

    private static ProviderDeliveriesResponse Deliveries(string providerId, UsageMonth month, IReadOnlyList<DeliveredSlotFacts> slots)
    {
        var offers = DeliveredSlots.PerOffer(slots, (first, offerSlots) =>
        {
            var delivered = offerSlots.Select(s => s.Slot).ToList();
            return new DeliveredOfferResponse(first.OfferId, first.ClubId, first.Title, first.Category, first.TimeZone, delivered, DeliveredUnits.Sum(delivered.Select(s => s.Units)));
        });
        return new ProviderDeliveriesResponse(providerId, month.Name, month.Provisional, month.FinalFrom, offers, DeliveredUnits.Sum(offers.Select(o => o.Units)));
    }
}
