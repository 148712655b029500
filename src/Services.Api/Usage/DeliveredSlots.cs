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

/// <summary>Units of bookings that waited for a seat because the slot was full: demand the slot did not meet, or has not yet.</summary>
/// <param name="Waitlisted">Units waiting now for a seat on slots that have not started: they are promoted as seats free up.</param>
/// <param name="Expired">Units still waiting when their slot started: unmet demand (counted as soon as the slot starts, before the waitlist's expiry is recorded).</param>
public sealed record WaitlistUnits(int Waitlisted, int Expired)
{
    public static readonly WaitlistUnits None = new(0, 0);

    public WaitlistUnits Plus(WaitlistUnits other) => new(Waitlisted + other.Waitlisted, Expired + other.Expired);

    public static WaitlistUnits Sum(IEnumerable<WaitlistUnits> units) => units.Aggregate(None, (sum, next) => sum.Plus(next));
}

/// <summary>Whose slots a deliveries read is of; the filters given narrow each other.</summary>
/// <param name="ProviderId">The slots whose offer's terms in force when each started named the provider.</param>
/// <param name="ClubId">The slots of the club's offers.</param>
/// <param name="OfferId">The slots of this offer.</param>
internal sealed record DeliveriesScope(string? ProviderId = null, string? ClubId = null, string? OfferId = null);

/// <summary>One slot of the month as the read model has it, with its offer.</summary>
/// <param name="Started">Whether it had started when read.</param>
internal sealed record DeliveredSlotFacts(
    string OfferId, string ClubId, string Title, Category Category, string TimeZone, DeliveredSlotResponse Slot, bool Started, WaitlistUnits Waitlist);

/// <summary>The slots of a month a provider delivers or a club runs, with what became of their bookings: the one query of both reads.</summary>
internal static class DeliveredSlots
{
    /// <param name="scopeJoin">What picks the slots besides the conditions (<see cref="QueryFilters.Conditions"/>).</param>
    private static string Sql(string scopeJoin, string conditions) => $"""
        select o.offer_id, o.club_id, o.title, o.category, o.time_zone, s.slot_id, s.start_at, s.capacity, s.cancelled, s.start_at <= $3,
               coalesce(sum(b.quantity) filter (where b.status = 'confirmed'), 0)::int as booked,
               coalesce(sum(b.quantity) filter (where b.status = 'confirmed' and b.attendance = 'attended'), 0)::int as attended,
               coalesce(sum(b.quantity) filter (where b.status = 'confirmed' and b.attendance = 'no_show'), 0)::int as no_show,
               coalesce(sum(b.quantity) filter (where b.status = 'confirmed' and b.attendance is null and s.start_at <= $3), 0)::int as unrecorded,
               coalesce(sum(b.quantity) filter (where b.status = 'confirmed' and b.attendance is null and s.start_at > $3), 0)::int as upcoming,
               coalesce(sum(b.quantity) filter (where b.status = 'waitlisted' and s.start_at > $3), 0)::int as waitlisted,
               -- Still waiting once the slot started: expired, whether or not the waitlist's expiry is recorded yet.
               coalesce(sum(b.quantity) filter (where b.status = 'expired' or b.status = 'waitlisted' and s.start_at <= $3), 0)::int as expired
        from {InsightsProjection.Prefix}_offers o
        join {InsightsProjection.Prefix}_slots s on s.offer_id = o.offer_id
        {scopeJoin}
        left join {InsightsProjection.Prefix}_bookings b on b.slot_id = s.slot_id
        where s.local_date between $1 and $2{conditions}
        group by o.offer_id, s.slot_id
        order by o.offer_id, s.start_at, s.slot_id
        """;

    /// <summary>The slots of <paramref name="scope"/> whose local start date is in the month of <paramref name="month"/>, in offer id and start order.</summary>
    public static async Task<IReadOnlyList<DeliveredSlotFacts>> ReadAsync(
        NpgsqlDataSource dataSource, DeliveriesScope scope, DateOnly month, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var filters = new QueryFilters(month, month.AddMonths(1).AddDays(-1), ReadModelValues.Utc(now));
        var scopeJoin = "";
        if (scope.ProviderId is { } providerId)
        {
            var provider = filters.Parameter(providerId);
            scopeJoin = $"join lateral ({OfferTermsInForce.Select("t.provider_ids", "s.offer_id", "s.start_at")}) t on t.provider_ids @> array[{provider}::text]";
            // Only the offers whose terms ever named it (indexed), before picking the terms of each of their slots.
            filters.And($"o.offer_id in (select offer_id from {InsightsProjection.Prefix}_offer_terms where provider_ids @> array[{provider}::text])");
        }
        if (scope.ClubId is { } clubId) filters.And($"o.club_id = {filters.Parameter(clubId)}");
        if (scope.OfferId is { } offerId) filters.And($"o.offer_id = {filters.Parameter(offerId)}");
        await using var command = ReadModelSql.Command(dataSource, Sql(scopeJoin, filters.Conditions), filters.Values);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var slots = new List<DeliveredSlotFacts>();
        while (await reader.ReadAsync(cancellationToken))
        {
            slots.Add(new DeliveredSlotFacts(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), InsightNames.CategoryOf(reader.GetString(3)), reader.GetString(4),
                new DeliveredSlotResponse(reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetInt32(7), reader.GetBoolean(8),
                    new DeliveredUnits(reader.GetInt32(10), reader.GetInt32(11), reader.GetInt32(12), reader.GetInt32(13), reader.GetInt32(14))),
                reader.GetBoolean(9), new WaitlistUnits(reader.GetInt32(15), reader.GetInt32(16))));
        }
        return slots;
    }

    /// <summary>One <typeparamref name="TOffer"/> per offer of <paramref name="slots"/>, in their order: of its first slot's facts and all its slots.</summary>
    public static List<TOffer> PerOffer<TOffer>(IEnumerable<DeliveredSlotFacts> slots, Func<DeliveredSlotFacts, IReadOnlyList<DeliveredSlotFacts>, TOffer> offer) =>
        slots.GroupBy(s => s.OfferId, StringComparer.Ordinal).Select(g => offer(g.First(), [.. g])).ToList();
}
