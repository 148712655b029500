using Npgsql;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.ReadModels;

namespace Services.Api.Usage;

/// <summary>What one line of a statement is computed from: a company's use of one offer in one month.</summary>
/// <param name="CompanyName">The company's name now; null when the read model has no registration of it.</param>
public sealed record UsageLineFacts(
    string CompanyId,
    string? CompanyName,
    string OfferId,
    string ClubId,
    string Title,
    Category Category,
    bool Subscribed,
    long MonthlyFee,
    int CoFundingShareBasisPoints,
    int AttendedUnits,
    int NoShowUnits,
    long UnitCharges,
    bool ClosedWhenSubscribed);

/// <summary>Whose lines to read; null: any. A line's partner is the one its co-funding names in the terms its share is taken from.</summary>
public sealed record UsageScope(string? CompanyId = null, string? Territory = null, string? ClubId = null, string? PartnerId = null);

/// <summary>
/// Usage statements, computed from the insight facts: the statements themselves, and the co-funding
/// spent that the indicators sum, from the same rows, so the two always agree.
/// </summary>
/// <remarks>
/// Rules: a month is a calendar month of the offer's time zone (as quotas are). A line exists for each offer
/// the company had an active subscription to on any day of the month, or had units attended or no-show on
/// slots of the month. The subscription fee is charged once per line when subscribed, at the monthly fee in
/// force at the start of the first subscribed day of the month (the offer's first terms if it was published
/// later), unless the offer was closed (suspended or withdrawn) at every instant of the month's subscribed days:
/// then it is waived (<see cref="SubscriptionFeeWaiver.OfferClosed"/>). Open at any moment of one subscribed day,
/// the whole fee is charged (no proration). Units attended and no-show are both charged, each at the unit price in force when the booking was
/// requested. The public co-funding share is the basis points in force at that same instant, applied to the
/// line total and rounded half-to-even to the cent; the amount due is the line total minus the co-funding.
/// Totals are sums of the lines, so everything adds up to the cent.
/// </remarks>
public static class UsageStatements
{
    /// <param name="company">The placeholder of the company whose lines to read; null: every company's.</param>
    /// <param name="filters">The conditions on the lines' offer and terms (<see cref="QueryFilters.Conditions"/>).</param>
    private static string LinesSql(string? company, string filters) => $"""
        with subscribed as (
            select s.company_id, s.offer_id, greatest(s.starts_on, $1::date) as first_day,
                   (greatest(s.starts_on, $1::date)::timestamp at time zone o.time_zone) as opens_at,
                   ((least(coalesce(s.ends_on, 'infinity'::date), $2::date) + 1)::timestamp at time zone o.time_zone) as closes_at
            from {InsightsProjection.Prefix}_subscriptions s join {InsightsProjection.Prefix}_offers o on o.offer_id = s.offer_id
            where s.starts_on <= $2::date and coalesce(s.ends_on, 'infinity'::date) >= $1::date
              and coalesce(s.ends_on, 'infinity'::date) >= s.starts_on -- not one that ended before it started: it never ran
              {(company is null ? "" : $"and s.company_id = {company}")}
        ), sub_lines as (
            -- Open on a subscribed day: active at its start, or resumed before the end of the subscribed days.
            select s.company_id, s.offer_id, min(s.first_day) as first_day,
                   bool_or(coalesce((select st.status from {InsightsProjection.Prefix}_offer_statuses st
                                     where st.offer_id = s.offer_id and st.since <= s.opens_at order by st.version desc limit 1), 'active') = 'active'
                           or exists (select 1 from {InsightsProjection.Prefix}_offer_statuses st
                                      where st.offer_id = s.offer_id and st.status = 'active' and st.since > s.opens_at and st.since < s.closes_at)) as open
            from subscribed s
            group by s.company_id, s.offer_id
        ), unit_lines as (
            select b.company_id, b.offer_id,
                   coalesce(sum(b.quantity) filter (where b.attendance = 'attended'), 0)::int as attended,
                   coalesce(sum(b.quantity) filter (where b.attendance = 'no_show'), 0)::int as no_show,
                   coalesce(sum(b.quantity * b.unit_price), 0)::bigint as unit_charges
            from {InsightsProjection.Prefix}_bookings b join {InsightsProjection.Prefix}_slots sl on sl.slot_id = b.slot_id
            where b.attendance is not null and sl.local_date between $1::date and $2::date
              {(company is null ? "" : $"and b.company_id = {company}")}
            group by b.company_id, b.offer_id
        ), lines as (
            select coalesce(s.company_id, u.company_id) as company_id, coalesce(s.offer_id, u.offer_id) as offer_id, s.first_day, s.open,
                   coalesce(u.attended, 0) as attended, coalesce(u.no_show, 0) as no_show, coalesce(u.unit_charges, 0::bigint) as unit_charges
            from sub_lines s full join unit_lines u on u.company_id = s.company_id and u.offer_id = s.offer_id
        )
        select l.company_id, c.name, l.offer_id, o.club_id, o.title, o.category, l.first_day is not null as subscribed,
               coalesce(t.monthly_fee, 0::bigint), coalesce(t.co_funding_bp, 0), l.attended, l.no_show, l.unit_charges,
               coalesce(not l.open, false) as closed
        from lines l
        join {InsightsProjection.Prefix}_offers o on o.offer_id = l.offer_id
        left join {InsightsProjection.Prefix}_organizations c on c.organization_id = l.company_id
        left join lateral (
            {OfferTermsInForce.Select("t.monthly_fee, t.co_funding_bp, t.co_funding_partner_id", "l.offer_id",
                "(coalesce(l.first_day, $1::date)::timestamp at time zone o.time_zone)")}
        ) t on true
        where true{filters}
        order by l.company_id, l.offer_id
        """;

    /// <summary>The lines of <paramref name="month"/> (its first day) in <paramref name="scope"/>, in company then offer id order.</summary>
    public static async Task<IReadOnlyList<UsageLineFacts>> ReadLinesAsync(
        NpgsqlDataSource dataSource, UsageScope scope, DateOnly month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(scope);
        var filters = new QueryFilters(month, month.AddMonths(1).AddDays(-1));
        var company = scope.CompanyId is { } companyId ? filters.Parameter(companyId) : null;
        if (scope.Territory is { } territory) filters.And($"{filters.Parameter(territory)} = any(o.territories)");
        if (scope.ClubId is { } clubId) filters.And($"o.club_id = {filters.Parameter(clubId)}");
        if (scope.PartnerId is { } partnerId) filters.And($"t.co_funding_partner_id = {filters.Parameter(partnerId)}");
        await using var command = ReadModelSql.Command(dataSource, LinesSql(company, filters.Conditions), filters.Values);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var lines = new List<UsageLineFacts>();
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(new UsageLineFacts(
                reader.GetString(0), reader.NullableString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), InsightNames.CategoryOf(reader.GetString(5)),
                reader.GetBoolean(6), reader.GetInt64(7), reader.GetInt32(8), reader.GetInt32(9), reader.GetInt32(10), reader.GetInt64(11), reader.GetBoolean(12)));
        }
        return lines;
    }

    /// <summary>The company's name now, as the lines name it; null when the read model has no registration of it.</summary>
    public static async Task<string?> CompanyNameAsync(NpgsqlDataSource dataSource, string companyId, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(dataSource, $"select name from {InsightsProjection.Prefix}_organizations where organization_id = $1", companyId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Round half to even, to the cent: <paramref name="total"/> × <paramref name="basisPoints"/> / 10000.</summary>
    public static long CoFundingOf(long total, int basisPoints) =>
        (long)Math.Round(total * (decimal)basisPoints / 10_000m, MidpointRounding.ToEven);

    public static UsageLineResponse Price(UsageLineFacts line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var waived = line.ClosedWhenSubscribed ? SubscriptionFeeWaiver.OfferClosed : (SubscriptionFeeWaiver?)null;
        var fee = line.Subscribed && waived is null ? line.MonthlyFee : 0;
        var total = fee + line.UnitCharges;
        var coFunding = CoFundingOf(total, line.CoFundingShareBasisPoints);
        return new UsageLineResponse(
            line.OfferId, line.ClubId, line.Title, line.Category, Money.Euros(fee), line.AttendedUnits, line.NoShowUnits, Money.Euros(line.UnitCharges),
            Money.Euros(total), line.CoFundingShareBasisPoints, Money.Euros(coFunding), Money.Euros(total - coFunding), waived);
    }

    public static UsageTotalsResponse Totals(IReadOnlyList<UsageLineResponse> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return new UsageTotalsResponse(
            Money.Euros(lines.Sum(l => l.SubscriptionFee.Amount)),
            lines.Sum(l => l.AttendedUnits),
            lines.Sum(l => l.NoShowUnits),
            Money.Euros(lines.Sum(l => l.UnitCharges.Amount)),
            Money.Euros(lines.Sum(l => l.Total.Amount)),
            Money.Euros(lines.Sum(l => l.CoFunding.Amount)),
            Money.Euros(lines.Sum(l => l.AmountDue.Amount)));
    }
}
