using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.ReadModels;

namespace Services.Api.Usage;

/// <summary>What a club bills for a month: the statement of each company that used its offers, restricted to them.</summary>
/// <param name="Statements">One per company with a line on the club's offers, in company id order; each as the company reads its own, less the lines of other clubs' offers.</param>
/// <param name="Totals">Sums of every line of every statement.</param>
/// <param name="ClubId">The club (`org_…`) whose offers the statements are restricted to.</param>
/// <param name="Month">The calendar month (YYYY-MM), in each offer's time zone.</param>
public sealed record ClubUsageResponse(string ClubId, string Month, [property: Description(FinalFigures.ProvisionalDescription)] bool Provisional,
    [property: Description(FinalFigures.FinalFromDescription)] DateTimeOffset FinalFrom, IReadOnlyList<UsageStatementResponse> Statements, UsageTotalsResponse Totals);

public static class ClubUsageEndpoint
{
    public static void MapClubUsage(this IEndpointRouteBuilder v1) =>
        v1.MapGet("/clubs/{clubId}/usage", Handle)
            .WithTags("Usage")
            .WithName("getClubUsage")
            .WithSummary("What a club's offers charge its companies for a month")
            .WithDescription("""
                Visible to the club itself and the operator (anyone else: 404). For billing: the statement of every company
                that had a subscription to one of the club's offers on any day of the month or used units of them in the month,
                with the lines of the club's offers only, computed as in getCompanyUsage (same rules, same figures to the cent):
                a month an offer was suspended or withdrawn throughout a company's subscribed days charges it no subscription fee
                (subscriptionFeeWaivedReason offer_closed).
                """)
            .ProducesUsageReadProblems();

    private static Task<Results<Ok<ClubUsageResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string clubId,
        [AsParameters] UsageReadContext context,
        CancellationToken cancellationToken) =>
        UsageEndpoints.ReadAsync(clubId, OrganizationKind.Club, new UsageScope(ClubId: clubId), context,
            (month, lines) => UsageEndpoints.Statements(month, lines, (statements, totals) => new ClubUsageResponse(clubId, month.Name, month.Provisional, month.FinalFrom, statements, totals)), cancellationToken);
}
