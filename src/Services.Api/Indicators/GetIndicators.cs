using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.Api.Usage;
using Services.EventStore.Projections;

namespace Services.Api.Indicators;

/// <summary>
/// Shared indicators of one territory over a month or a quarter. No personal data; counts of people
/// (<see cref="BeneficiariesServed"/>, <see cref="UnmetDemandUnits"/>, <see cref="OpenNeedsHeadcount"/>) are
/// strings: the figure when it is 5 or more, <c>"&lt;5"</c> otherwise, so that no figure singles out a person.
/// </summary>
/// <param name="Period">The month (YYYY-MM) or quarter (YYYY-Qn) asked for.</param>
/// <param name="From">First day of the period.</param>
/// <param name="To">Last day of the period.</param>
/// <param name="MemberCompanies">Companies members, at the end of the period, of clubs serving the territory (registered in it, or with an offer serving it).</param>
/// <param name="SubscribedCompanies">Companies with a subscription active on at least one day of the period to an offer serving the territory.</param>
/// <param name="BeneficiariesServed">A count of people: distinct beneficiaries (per company) with units attended on slots of the period. "&lt;5" under 5.</param>
/// <param name="FillRate">Units attended / capacity of the period's slots that have started and were not cancelled, 0..1 (4 decimals); null before any has started.</param>
/// <param name="WaitlistConversion">Units promoted / units waitlisted on slots of the period, 0..1 (4 decimals); null when nobody waited.</param>
/// <param name="UnmetDemandUnits">A count of people: units still waiting when their slot of the period started. "&lt;5" under 5.</param>
/// <param name="OpenNeeds">Needs of the territory still open at the end of the period.</param>
/// <param name="OpenNeedsHeadcount">A count of people: the staff those open needs concern. "&lt;5" under 5.</param>
/// <param name="CoFundingSpent">Public co-funding of the usage statements of the period's months, for offers serving the territory, whichever partner co-funds them. A partner reads its own share, per company and offer, with getPartnerUsage.</param>
/// <param name="Territory">The territory's code, as asked for.</param>
public sealed record IndicatorsResponse(
    string Territory,
    string Period,
    DateOnly From,
    DateOnly To,
    [property: Description(FinalFigures.ProvisionalDescription)] bool Provisional,
    [property: Description(FinalFigures.FinalFromDescription)] DateTimeOffset FinalFrom,
    int MemberCompanies,
    int SubscribedCompanies,
    [property: Description("A count of people: distinct beneficiaries served (attended units) in the period, as a figure from 5 up, or \"<5\" below 5."), RegularExpression(PeopleCount.Pattern)] string BeneficiariesServed,
    double? FillRate,
    double? WaitlistConversion,
    [property: Description("A count of people: units still waitlisted when their slot started (unmet demand), as a figure from 5 up, or \"<5\" below 5."), RegularExpression(PeopleCount.Pattern)] string UnmetDemandUnits,
    int OpenNeeds,
    [property: Description("A count of people: the headcount of needs open at the end of the period, as a figure from 5 up, or \"<5\" below 5."), RegularExpression(PeopleCount.Pattern)] string OpenNeedsHeadcount,
    Money CoFundingSpent);

public static class IndicatorsEndpoints
{
    private static readonly string Sql = $"""
        with offers as (
            select offer_id from {InsightsProjection.Prefix}_offers where $1 = any(territories)
        ), period_slots as (
            select s.slot_id, s.capacity, s.cancelled, s.start_at from {InsightsProjection.Prefix}_slots s join offers o on o.offer_id = s.offer_id
            where s.local_date between $2 and $3
        ), period_bookings as (
            select b.* from {InsightsProjection.Prefix}_bookings b join period_slots s on s.slot_id = b.slot_id
        ), open_needs as (
            select n.headcount from {InsightsProjection.Prefix}_needs n
            where n.territory = $1 and n.recorded_at < $4 and (n.closed_at is null or n.closed_at >= $4)
        )
        select
            (select count(distinct m.company_id) from {InsightsProjection.Prefix}_memberships m
             join {InsightsProjection.Prefix}_organizations c on c.organization_id = m.club_id
             where m.admitted_at < $4 and (m.removed_at is null or m.removed_at >= $4)
               and ($1 = any(c.territories) or exists (select 1 from {InsightsProjection.Prefix}_offers o where o.club_id = m.club_id and $1 = any(o.territories))))::int,
            (select count(distinct s.company_id) from {InsightsProjection.Prefix}_subscriptions s join offers o on o.offer_id = s.offer_id
             where s.starts_on <= $3 and coalesce(s.ends_on, 'infinity'::date) >= $2
               and coalesce(s.ends_on, 'infinity'::date) >= s.starts_on)::int, -- not one that ended before it started: it never ran
            (select count(distinct (b.company_id, b.beneficiary_ref)) from period_bookings b where b.attendance = 'attended')::int,
            (select coalesce(sum(b.quantity), 0) from period_bookings b where b.attendance = 'attended')::bigint,
            (select coalesce(sum(s.capacity), 0) from period_slots s where not s.cancelled and s.start_at <= $5)::bigint, -- seats yet to come are not empty ones
            (select coalesce(sum(b.quantity), 0) from period_bookings b where b.waitlisted)::bigint,
            (select coalesce(sum(b.quantity), 0) from period_bookings b where b.promoted)::bigint,
            (select coalesce(sum(b.quantity), 0) from period_bookings b where b.status = 'expired')::bigint,
            (select count(*) from open_needs)::int,
            (select coalesce(sum(headcount), 0) from open_needs)::bigint
        """;

    public static IEndpointRouteBuilder MapIndicators(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/indicators", Handle)
            .WithTags("Indicators")
            .AllowKinds(OrganizationKind.Club, OrganizationKind.Partner, OrganizationKind.Company)
            .WithName("getIndicators")
            .WithSummary("Shared indicators of a territory for a month or a quarter")
            .WithDescription("""
                The same figures for the clubs, partners and companies of the territory (their organization's territories)
                and the operator; another territory answers 403. Give exactly one of `month` (YYYY-MM) or `quarter` (YYYY-Qn).
                Slots belong to the period of their local start date in the offer's time zone; offers count in every
                territory they serve now. "At the end of the period" means before midnight UTC after its last day.
                Counts of people (beneficiariesServed, unmetDemandUnits, openNeedsHeadcount) are strings: "<5" below 5
                (0 included), so that no figure singles out a person.
                """)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return v1;
    }

    private static async Task<Results<Ok<IndicatorsResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        [Description("The territory code, e.g. grand-figeac."), Required, RegularExpression(Validation.TerritoryPattern)] string? territory,
        [Description("A calendar month, YYYY-MM (or give quarter)."), RegularExpression(InsightNames.MonthPattern)] string? month,
        [Description("A quarter, YYYY-Qn, e.g. 2026-Q1 (or give month)."), RegularExpression(InsightNames.QuarterPattern)] string? quarter,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        Caller caller,
        EventStore.EventStore store,
        NpgsqlDataSource dataSource,
        ProjectionDaemon daemon,
        TimeProvider time,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = new Validation().Territory("territory", territory);
        DateOnly first = default;
        var months = 1;
        switch (month, quarter)
        {
            case (null, null):
                validation.Add("month", "Give a month (YYYY-MM) or a quarter (YYYY-Qn).").Add("quarter", "Give a month (YYYY-MM) or a quarter (YYYY-Qn).");
                break;
            case ({ }, { }):
                validation.Add("quarter", "Give either a month or a quarter, not both.");
                break;
            case ({ }, null) when !InsightNames.TryMonth(month, out first):
                validation.Add("month", InsightNames.NotAMonth);
                break;
            case (null, { }) when !InsightNames.TryQuarter(quarter, out first):
                validation.Add("quarter", $"A quarter is YYYY-Qn, e.g. 2026-Q1, of the years {InsightNames.FirstYear} to {InsightNames.LastYear}.");
                break;
            case (null, { }):
                months = 3;
                break;
        }
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);

        var visible = await InsightReads.TerritoriesOfAsync(store, caller, cancellationToken);
        if (visible is not null && !visible.Contains(territory!, StringComparer.Ordinal))
            return Problems.Forbidden($"You may read the indicators of your own territories only ({string.Join(", ", visible)}).");
        if (await ReadYourWrites.CheckAndWaitAsync(new Validation(), minPosition, daemon, InsightsProjection.ShardName, http.Response, cancellationToken) is { } unready) return unready;

        var last = first.AddMonths(months).AddDays(-1);
        var now = time.GetUtcNow();
        var finalFrom = FinalFigures.From(last);
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = territory });
        command.Parameters.Add(new NpgsqlParameter { Value = first });
        command.Parameters.Add(new NpgsqlParameter { Value = last });
        command.Parameters.Add(new NpgsqlParameter { Value = new DateTimeOffset(last.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        int members, subscribed, beneficiaries, openNeeds;
        long attended, capacity, waitlisted, promoted, expired, openHeadcount;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            members = reader.GetInt32(0);
            subscribed = reader.GetInt32(1);
            beneficiaries = reader.GetInt32(2);
            attended = reader.GetInt64(3);
            capacity = reader.GetInt64(4);
            waitlisted = reader.GetInt64(5);
            promoted = reader.GetInt64(6);
            expired = reader.GetInt64(7);
            openNeeds = reader.GetInt32(8);
            openHeadcount = reader.GetInt64(9);
        }

        long coFunding = 0;
        for (var m = 0; m < months; m++)
        {
            var lines = await UsageStatements.ReadLinesAsync(dataSource, new UsageScope(Territory: territory), first.AddMonths(m), cancellationToken);
            coFunding += lines.Sum(line => UsageStatements.Price(line).CoFunding.Amount);
        }

        return TypedResults.Ok(new IndicatorsResponse(
            territory!,
            month ?? quarter!,
            first,
            last,
            now < finalFrom,
            finalFrom,
            members,
            subscribed,
            PeopleCount.Shown(beneficiaries),
            InsightReads.Ratio(attended, capacity),
            InsightReads.Ratio(promoted, waitlisted),
            PeopleCount.Shown(expired),
            openNeeds,
            PeopleCount.Shown(openHeadcount),
            Money.Euros(coFunding)));
    }
}
