using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.EventStore.Projections;

namespace Services.Api.Usage;

/// <summary>One offer on a statement. <see cref="Total"/> = subscription fee + unit charges; <see cref="AmountDue"/> = total − co-funding.</summary>
/// <param name="ClubId">The club whose offer it is.</param>
/// <param name="Title">The offer's title now.</param>
/// <param name="SubscriptionFee">The offer's monthly fee in force at the first subscribed day of the month; 0 when the company was not subscribed that month (units only).</param>
/// <param name="AttendedUnits">Units of its bookings of slots in the month that the offer's club or provider recorded as attended.</param>
/// <param name="NoShowUnits">Units of its bookings of slots in the month recorded as no-show: charged like attended ones.</param>
/// <param name="UnitCharges">(attended + no-show units) × the unit price in force when each booking was requested.</param>
/// <param name="CoFundingShareBasisPoints">The public partner's share of the line, in basis points (3000 = 30 %).</param>
/// <param name="CoFunding">The partner's part: total × share, rounded half-to-even to the cent.</param>
/// <param name="AmountDue">What the company owes: total − co-funding.</param>
public sealed record UsageLineResponse(
    string OfferId,
    string ClubId,
    string Title,
    Category Category,
    Money SubscriptionFee,
    int AttendedUnits,
    int NoShowUnits,
    Money UnitCharges,
    Money Total,
    int CoFundingShareBasisPoints,
    Money CoFunding,
    Money AmountDue);

/// <summary>Sums of the lines.</summary>
public sealed record UsageTotalsResponse(
    Money SubscriptionFees,
    int AttendedUnits,
    int NoShowUnits,
    Money UnitCharges,
    Money Total,
    Money CoFunding,
    Money AmountDue);

/// <summary>A company's usage statement for a calendar month.</summary>
public sealed record UsageStatementResponse(string CompanyId, string Month, IReadOnlyList<UsageLineResponse> Lines, UsageTotalsResponse Totals);

/// <summary>What a read of usage statements needs besides its path and query: who asks, and where the lines are read.</summary>
public sealed record UsageReadContext(Caller Caller, EventStore.EventStore Store, NpgsqlDataSource DataSource, ProjectionDaemon Daemon, HttpContext Http);

public static class UsageEndpoints
{
    public static IEndpointRouteBuilder MapUsage(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/companies/{companyId}/usage", Handle)
            .WithTags("Usage")
            .WithName("getCompanyUsage")
            .WithSummary("A company's usage statement for a month")
            .WithDescription("""
                Visible to the company itself and the operator (anyone else: 404). One line per offer the company had an active
                subscription to on any day of the month, or used units of in the month. Months follow the offer's time zone
                (a slot belongs to the month of its local start date). The subscription fee is the offer's monthly fee in force
                at the first subscribed day of the month. Units attended and no-show are both charged, at the unit price in force
                when each booking was requested. The public co-funding is the offer's share (basis points, in force at the same
                instant as the fee) of the line total, rounded half-to-even to the cent; amountDue = total − coFunding. Totals are
                the sums of the lines. Money in cents of EUR.
                """)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        v1.MapClubUsage();
        v1.MapPartnerUsage();
        return v1;
    }

    private static Task<Results<Ok<UsageStatementResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string companyId,
        [Description("The calendar month, YYYY-MM."), Required, RegularExpression(InsightNames.MonthPattern)] string? month,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        [AsParameters] UsageReadContext context,
        CancellationToken cancellationToken) =>
        ReadAsync(companyId, OrganizationKind.Company, new UsageScope(CompanyId: companyId), month, minPosition, context,
            lines => Statement(companyId, month!, lines), cancellationToken);

    /// <summary>
    /// The month checked, then the organization's visibility to the caller, then the read model's position; then
    /// <paramref name="answer"/> to the lines of <paramref name="scope"/> in the month.
    /// </summary>
    internal static async Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> ReadAsync<T>(
        string organizationId, OrganizationKind kind, UsageScope scope, string? month, string? minPosition, UsageReadContext context,
        Func<IReadOnlyList<UsageLineFacts>, T> answer, CancellationToken cancellationToken)
    {
        if (InvalidMonth(month, out var firstDay) is { } invalid) return invalid;
        if (await NotVisibleAsync(organizationId, kind, context.Caller, context.Store, cancellationToken) is { } notVisible) return notVisible;
        if (await ReadYourWrites.CheckAndWaitAsync(new Validation(), minPosition, context.Daemon, InsightsProjection.ShardName, context.Http.Response, cancellationToken) is { } unready) return unready;

        return TypedResults.Ok(answer(await UsageStatements.ReadLinesAsync(context.DataSource, scope, firstDay, cancellationToken)));
    }

    private static ValidationProblem? InvalidMonth(string? month, out DateOnly firstDay) =>
        InsightNames.TryMonth(month, out firstDay)
            ? null
            : Problems.Invalid("month", $"A month is required, as YYYY-MM (e.g. 2026-03), of the years {InsightNames.FirstYear} to {InsightNames.LastYear}.");

    /// <summary>Usage is the organization's own and the operator's to read: to anyone else, and for an organization of another kind, it does not exist.</summary>
    private static async Task<ProblemHttpResult?> NotVisibleAsync(string organizationId, OrganizationKind kind, Caller caller, EventStore.EventStore store, CancellationToken cancellationToken)
    {
        var name = WireName.Of(kind);
        if (!caller.IsOperator) return caller.OrganizationId == organizationId && caller.Kind == kind ? null : Problems.NotFound(name);
        var organization = await store.LoadAsync(Organization.Stream(organizationId), cancellationToken);
        return organization.State?.Kind == kind ? null : Problems.NotFound(name);
    }

    private static UsageStatementResponse Statement(string companyId, string month, IEnumerable<UsageLineFacts> facts)
    {
        var lines = facts.Select(UsageStatements.Price).ToList();
        return new UsageStatementResponse(companyId, month, lines, UsageStatements.Totals(lines));
    }

    /// <summary>One statement per company with lines among <paramref name="facts"/>, in company id order, and the sums of all their lines.</summary>
    internal static T Statements<T>(string month, IEnumerable<UsageLineFacts> facts, Func<IReadOnlyList<UsageStatementResponse>, UsageTotalsResponse, T> answer)
    {
        var statements = facts.GroupBy(line => line.CompanyId, StringComparer.Ordinal)
            .Select(company => Statement(company.Key, month, company))
            .ToList();
        return answer(statements, UsageStatements.Totals([.. statements.SelectMany(s => s.Lines)]));
    }
}
