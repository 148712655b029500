using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.EventStore.Projections;

namespace Services.Api.Demand;

/// <summary>
/// Demand of one territory and category in one ISO week. Units are units of capacity (seats, places, requests). Units and
/// headcounts are counts of people (<see cref="PeopleCount"/>): strings, exact for the operator, "&lt;5" below 5 for anyone else.
/// </summary>
/// <param name="Week">The ISO 8601 week, e.g. 2026-W47.</param>
/// <param name="WeekStart">The Monday of that week.</param>
/// <param name="UnitsRequested">A count of people: units of every booking of slots of the week. "&lt;5" under 5 but for the operator.</param>
/// <param name="UnitsConfirmed">A count of people: units that got seats, at once or promoted from the waitlist (even if cancelled later). "&lt;5" under 5 but for the operator.</param>
/// <param name="UnitsWaitlisted">A count of people: units that had to wait (whether promoted, expired or cancelled later). "&lt;5" under 5 but for the operator.</param>
/// <param name="UnitsExpired">A count of people: units still waiting when the slot started, unmet demand. "&lt;5" under 5 but for the operator.</param>
/// <param name="UnitsCancelled">A count of people: units of bookings cancelled (by request or with their slot). "&lt;5" under 5 but for the operator.</param>
/// <param name="UnitsAttended">A count of people: units recorded as attended. "&lt;5" under 5 but for the operator.</param>
/// <param name="NeedsRecorded">Needs recorded in the week (by their recording date, UTC).</param>
/// <param name="NeedsHeadcount">A count of people: the staff those needs concern (sum of headcounts). "&lt;5" under 5 but for the operator.</param>
/// <param name="DistinctCompanies">Companies that booked or recorded a need in this bucket.</param>
/// <param name="Territory">The territory's code: of the slot's offer for bookings, of the need for needs.</param>
/// <param name="Category">The category of the offers booked and the needs recorded.</param>
public sealed record DemandWeekResponse(
    string Territory,
    Category Category,
    string Week,
    DateOnly WeekStart,
    [property: RegularExpression(PeopleCount.Pattern)] string UnitsRequested,
    [property: RegularExpression(PeopleCount.Pattern)] string UnitsConfirmed,
    [property: RegularExpression(PeopleCount.Pattern)] string UnitsWaitlisted,
    [property: RegularExpression(PeopleCount.Pattern)] string UnitsExpired,
    [property: RegularExpression(PeopleCount.Pattern)] string UnitsCancelled,
    [property: RegularExpression(PeopleCount.Pattern)] string UnitsAttended,
    int NeedsRecorded,
    [property: RegularExpression(PeopleCount.Pattern)] string NeedsHeadcount,
    int DistinctCompanies);

/// <summary>Buckets with any activity, ordered by territory, category and week.</summary>
/// <param name="Data">One bucket per territory, category and ISO week with any activity.</param>
public sealed record DemandResponse(IReadOnlyList<DemandWeekResponse> Data);

public static class DemandEndpoints
{
    /// <param name="filters">The conditions on the buckets' territory, category and day (<see cref="QueryFilters.Conditions"/>).</param>
    private static string Sql(string filters) => $"""
        with facts as (
            select t.territory, o.category, s.local_date as day, b.company_id,
                   b.quantity as requested,
                   case when b.confirmed then b.quantity else 0 end as confirmed,
                   case when b.waitlisted then b.quantity else 0 end as waitlisted,
                   case when b.status = 'expired' then b.quantity else 0 end as expired,
                   case when b.status = 'cancelled' then b.quantity else 0 end as cancelled,
                   case when b.attendance = 'attended' then b.quantity else 0 end as attended,
                   0 as needs, 0 as headcount
            from {InsightsProjection.Prefix}_bookings b
            join {InsightsProjection.Prefix}_slots s on s.slot_id = b.slot_id
            join {InsightsProjection.Prefix}_offers o on o.offer_id = b.offer_id
            -- Distinct: an offer published before territories were checked for repeats may list one twice.
            cross join lateral (select distinct unnest(o.territories)) as t(territory)
            union all
            select n.territory, n.category, n.recorded_date, n.company_id, 0, 0, 0, 0, 0, 0, 1, n.headcount
            from {InsightsProjection.Prefix}_needs n
        )
        select territory, category, date_trunc('week', day)::date as week_start,
               sum(requested)::int, sum(confirmed)::int, sum(waitlisted)::int, sum(expired)::int, sum(cancelled)::int,
               sum(attended)::int, sum(needs)::int, sum(headcount)::int, count(distinct company_id)::int
        from facts
        where true{filters}
        group by 1, 2, 3
        order by 1, 2, 3
        """;

    public static IEndpointRouteBuilder MapDemand(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/demand", Handle)
            .WithTags("Demand")
            .AllowKinds(OrganizationKind.Club, OrganizationKind.Partner)
            .WithName("getDemand")
            .WithSummary("Demand per territory, category and ISO week (anticipation)")
            .WithDescription("""
                For clubs and partners, of their own territories (the operator: all). Without `territory`, every territory
                the caller may see; a territory that is not the caller's answers 403. Bookings count in the ISO week of
                their slot's local date in the offer's time zone, in every territory the offer serves (its current
                territories); needs count in the week of their recording date (UTC). `from` and `to` select whole weeks:
                the weeks containing them and every week between. Buckets without activity are left out.
                Units and needsHeadcount are counts of people, strings: the operator reads the figures; clubs and partners
                read "<5" below 5 (0 included), as in getIndicators, so that no figure of a week singles out a person (a
                club's buckets count every club's offers serving the territory, not only its own).
                """)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return v1;
    }

    private static async Task<Results<Ok<DemandResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        [Description("A territory code, e.g. grand-figeac; default: every territory you may see."), RegularExpression(Validation.TerritoryPattern)] string? territory,
        [Description("concierge, mobility, childcare or spouse_welcome; default: all."), OneOf(typeof(Category))] string? category,
        [Description("First day (YYYY-MM-DD): from the ISO week containing it.")] DateOnly? from,
        [Description("Last day (YYYY-MM-DD): up to the end of the ISO week containing it.")] DateOnly? to,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        Caller caller,
        EventStore.EventStore store,
        NpgsqlDataSource dataSource,
        ProjectionDaemon daemon,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = new Validation();
        if (territory is not null) validation.Territory("territory", territory);
        validation.Filter<Category>("category", category);
        foreach (var (field, day) in new[] { ("from", from), ("to", to) })
        {
            if (day is { } d && !InsightNames.IsWithinYears(d)) validation.Add(field, $"A day of the years {InsightNames.FirstYear} to {InsightNames.LastYear}.");
        }
        if (from is { } f && to is { } t && t < f) validation.Add("to", "Must not be before 'from'.");
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);

        var visible = await InsightReads.TerritoriesOfAsync(store, caller, cancellationToken);
        string[]? territories = visible?.ToArray();
        if (territory is not null)
        {
            if (visible is not null && !visible.Contains(territory, StringComparer.Ordinal))
                return Problems.Forbidden($"You may read the demand of your own territories only ({string.Join(", ", visible)}).");
            territories = [territory];
        }
        if (await ReadYourWrites.CheckAndWaitAsync(new Validation(), minPosition, daemon, InsightsProjection.ShardName, http.Response, cancellationToken) is { } unready) return unready;

        var filters = new QueryFilters();
        if (territories is not null) filters.And($"territory = any({filters.Parameter(territories)})");
        if (category is not null) filters.And($"category = {filters.Parameter(category)}");
        if (from is { } start) filters.And($"day >= {filters.Parameter(InsightNames.WeekStart(start))}");
        if (to is { } end) filters.And($"day <= {filters.Parameter(InsightNames.WeekStart(end).AddDays(6))}");
        await using var command = ReadModelSql.Command(dataSource, Sql(filters.Conditions), filters.Values);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        // The operator reads every booking anyway; anyone else would read other organizations' bookings in the buckets.
        Func<long, string> people = caller.IsOperator ? PeopleCount.Exact : PeopleCount.Shown;
        var weeks = new List<DemandWeekResponse>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var weekStart = reader.GetFieldValue<DateOnly>(2);
            weeks.Add(new DemandWeekResponse(
                reader.GetString(0), InsightNames.CategoryOf(reader.GetString(1)), InsightNames.IsoWeek(weekStart), weekStart,
                people(reader.GetInt32(3)), people(reader.GetInt32(4)), people(reader.GetInt32(5)), people(reader.GetInt32(6)),
                people(reader.GetInt32(7)), people(reader.GetInt32(8)), reader.GetInt32(9), people(reader.GetInt32(10)), reader.GetInt32(11)));
        }
        return TypedResults.Ok(new DemandResponse(weeks));
    }
}
