using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.ReadModels;

namespace Services.Api.Usage;

/// <summary>Units of bookings, by what happened to them. <see cref="Booked"/> = <see cref="Attended"/> + <see cref="NoShow"/> + <see cref="Unrecorded"/> + <see cref="Upcoming"/>.</summary>
/// <param name="Booked">Units of the bookings confirmed (promoted ones included) and not cancelled: what the provider delivers for.</param>
/// <param name="Attended">Of those, units recorded as attended.</param>
/// <param name="NoShow">Of those, units recorded as no-show.</param>
/// <param name="Unrecorded">Of those, units of slots that have started whose attendance is not recorded: due now, or never recorded once 30 days have passed since the slot started (attendance can no longer be recorded then, and they are not charged).</param>
/// <param name="Upcoming">Of those, units of slots that have not started yet: nothing to record until they start.</param>
public sealed record DeliveredUnits(int Booked, int Attended, int NoShow, int Unrecorded, int Upcoming)
{
    public static readonly DeliveredUnits None = new(0, 0, 0, 0, 0);

    public DeliveredUnits Plus(DeliveredUnits other) =>
        new(Booked + other.Booked, Attended + other.Attended, NoShow + other.NoShow, Unrecorded + other.Unrecorded, Upcoming + other.Upcoming);

    public static DeliveredUnits Sum(IEnumerable<DeliveredUnits> units) => units.Aggregate(None, (sum, next) => sum.Plus(next));
}

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
    private static readonly string SlotsSql = $"""
        select o.offer_id, o.club_id, o.title, o.category, o.time_zone, s.slot_id, s.start_at, s.capacity, s.cancelled,
               coalesce(sum(b.quantity) filter (where b.status = 'confirmed'), 0)::int as booked,
               coalesce(sum(b.quantity) filter (where b.status = 'confirmed' and b.attendance = 'attended'), 0)::int as attended,
               coalesce(sum(b.quantity) filter (where b.status = 'confirmed' and b.attendance = 'no_show'), 0)::int as no_show,
               coalesce(sum(b.quantity) filter (where b.status = 'confirmed' and b.attendance is null and s.start_at <= $4), 0)::int as unrecorded,
               coalesce(sum(b.quantity) filter (where b.status = 'confirmed' and b.attendance is null and s.start_at > $4), 0)::int as upcoming
        from {InsightsProjection.Prefix}_offers o
        join {InsightsProjection.Prefix}_slots s on s.offer_id = o.offer_id and s.local_date between $2 and $3
        join lateral ({OfferTermsInForce.Select("t.provider_ids", "s.offer_id", "s.start_at")}) t on t.provider_ids @> array[$1::text]
        left join {InsightsProjection.Prefix}_bookings b on b.slot_id = s.slot_id
        -- Only the offers whose terms ever named it (indexed), before picking the terms of each of their slots.
        where o.offer_id in (select offer_id from {InsightsProjection.Prefix}_offer_terms where provider_ids @> array[$1::text])
        group by o.offer_id, s.slot_id
        order by o.offer_id, s.start_at, s.slot_id
        """;

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
            async (month, token) => Deliveries(providerId, month, await ReadSlotsAsync(context.DataSource, providerId, month.FirstDay, context.Time.GetUtcNow(), token)), cancellationToken);

    private sealed record SlotFacts(string OfferId, string ClubId, string Title, Category Category, string TimeZone, DeliveredSlotResponse Slot);

    private static async Task<IReadOnlyList<SlotFacts>> ReadSlotsAsync(NpgsqlDataSource dataSource, string providerId, DateOnly month, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(dataSource, SlotsSql, providerId, month, month.AddMonths(1).AddDays(-1), ReadModelValues.Utc(now));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var slots = new List<SlotFacts>();
        while (await reader.ReadAsync(cancellationToken))
        {
            slots.Add(new SlotFacts(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), InsightNames.CategoryOf(reader.GetString(3)), reader.GetString(4),
                new DeliveredSlotResponse(reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetInt32(7), reader.GetBoolean(8),
                    new DeliveredUnits(reader.GetInt32(9), reader.GetInt32(10), reader.GetInt32(11), reader.GetInt32(12), reader.GetInt32(13)))));
        }
        return slots;
    }

    private static ProviderDeliveriesResponse Deliveries(string providerId, UsageMonth month, IReadOnlyList<SlotFacts> slots)
    {
        var offers = slots.GroupBy(s => s.OfferId, StringComparer.Ordinal)
            .Select(offer =>
            {
                var first = offer.First();
                var offerSlots = offer.Select(s => s.Slot).ToList();
                return new DeliveredOfferResponse(first.OfferId, first.ClubId, first.Title, first.Category, first.TimeZone, offerSlots,
                    DeliveredUnits.Sum(offerSlots.Select(s => s.Units)));
            })
            .ToList();
        return new ProviderDeliveriesResponse(providerId, month.Name, month.Provisional, month.FinalFrom, offers, DeliveredUnits.Sum(offers.Select(o => o.Units)));
    }
}
