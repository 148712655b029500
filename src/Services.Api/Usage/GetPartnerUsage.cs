using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.ReadModels;

namespace Services.Api.Usage;

/// <summary>What a public partner co-funds for a month: the statement of each company that used offers it co-funds, restricted to them.</summary>
/// <param name="Statements">One per company with a line the partner co-funds, in company id order; each as the company reads its own, less the lines the partner does not co-fund.</param>
/// <param name="Totals">Sums of every line of every statement: `coFunding` is what the partner owes for the month.</param>
/// <param name="PartnerId">The public partner (`org_…`) whose co-funded lines the statements are restricted to.</param>
/// <param name="Month">The calendar month (YYYY-MM), in each offer's time zone.</param>
public sealed record PartnerUsageResponse(string PartnerId, string Month, [property: Description(FinalFigures.ProvisionalDescription)] bool Provisional,
    [property: Description(FinalFigures.FinalFromDescription)] DateTimeOffset FinalFrom, IReadOnlyList<UsageStatementResponse> Statements, UsageTotalsResponse Totals);

public static class PartnerUsageEndpoint
{
    public static void MapPartnerUsage(this IEndpointRouteBuilder v1) =>
        v1.MapGet("/partners/{partnerId}/usage", Handle)
            .WithTags("Usage")
            .WithName("getPartnerUsage")
            .WithSummary("What a public partner co-funds for a month, per company and offer")
            .WithDescription("""
                Visible to the partner itself and the operator (anyone else: 404). What the partner owes: the statement of every
                company with a line whose co-funding names the partner, with those lines only, computed as in getCompanyUsage
                (same rules, same figures to the cent; each line names its offer's club). A line's partner is the one named by the
                offer's terms its share is taken from (in force at the first subscribed day of the month, else at its start), so an
                offer whose co-funding passed to another partner stays on one partner's statement per month. totals.coFunding is
                the sum of the partner's part of every line. getIndicators' coFundingSpent sums every partner of a territory.
                Each statement names its company as it is named now (companyName): the partner may not read the company itself.
                """)
            .ProducesUsageReadProblems();

    private static Task<Results<Ok<PartnerUsageResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string partnerId,
        [AsParameters] UsageReadContext context,
        CancellationToken cancellationToken) =>
        UsageEndpoints.ReadAsync(partnerId, OrganizationKind.Partner, new UsageScope(PartnerId: partnerId), context,
            (month, lines) => UsageEndpoints.Statements(month, lines, (statements, totals) => new PartnerUsageResponse(partnerId, month.Name, month.Provisional, month.FinalFrom, statements, totals)), cancellationToken);
}
