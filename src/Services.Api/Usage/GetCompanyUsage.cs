using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.ReadModels;

namespace Services.Api.Usage;

/// <summary>One offer on a statement. <see cref="Total"/> = subscription fee + unit charges; <see cref="AmountDue"/> = total − co-funding.</summary>
/// <param name="ClubId">The club whose offer it is.</param>
/// <param name="Title">The offer's title now.</param>
/// <param name="SubscriptionFee">The offer's monthly fee in force at the first subscribed day of the month; 0 when the company was not subscribed that month (units only) or the fee was waived (subscriptionFeeWaivedReason says why).</param>
/// <param name="AttendedUnits">Units of its bookings of slots in the month that the offer's club or provider recorded as attended.</param>
/// <param name="NoShowUnits">Units of its bookings of slots in the month recorded as no-show: charged like attended ones.</param>
/// <param name="UnitCharges">(attended + no-show units) × the unit price in force when each booking was requested.</param>
/// <param name="CoFundingShareBasisPoints">The public partner's share of the line, in basis points (3000 = 30 %).</param>
/// <param name="CoFunding">The partner's part: total × share, rounded half-to-even to the cent.</param>
/// <param name="AmountDue">What the company owes: total − co-funding.</param>
/// <param name="SubscriptionFeeWaivedReason">Why no subscription fee was charged although the company was subscribed; null when it was charged or there was none to charge.</param>
/// <param name="OfferId">The offer (`off_…`) charged on this line.</param>
/// <param name="Category">The offer's category.</param>
/// <param name="Total">Subscription fee + unit charges, before co-funding.</param>
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
    Money AmountDue,
    SubscriptionFeeWaiver? SubscriptionFeeWaivedReason);

/// <summary>Why a month's subscription fee was waived.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SubscriptionFeeWaiver>))]
public enum SubscriptionFeeWaiver
{
    /// <summary>The offer was suspended or withdrawn at every instant of the company's subscribed days of the month (offer's time zone).</summary>
    [JsonStringEnumMemberName("offer_closed")] OfferClosed,
}

/// <summary>Sums of the lines.</summary>
/// <param name="SubscriptionFees">Sum of the lines' subscription fees.</param>
/// <param name="AttendedUnits">Sum of the lines' attended units.</param>
/// <param name="NoShowUnits">Sum of the lines' no-show units.</param>
/// <param name="UnitCharges">Sum of the lines' unit charges.</param>
/// <param name="Total">Sum of the lines' totals: subscription fees + unit charges.</param>
/// <param name="CoFunding">Sum of the lines' co-funding: what public partners pay.</param>
/// <param name="AmountDue">Sum of the lines' amounts due: total − co-funding.</param>
public sealed record UsageTotalsResponse(
    Money SubscriptionFees,
    int AttendedUnits,
    int NoShowUnits,
    Money UnitCharges,
    Money Total,
    Money CoFunding,
    Money AmountDue);

/// <summary>A company's usage statement for a calendar month.</summary>
/// <param name="CompanyId">The company (`org_…`) the statement is of.</param>
/// <param name="CompanyName">The company's name now (a renamed company shows its new name), so that a club or a partner, who cannot read the company itself, knows whom it bills or co-funds; null while the insights read model has not applied its registration (it is being rebuilt, or the company was registered by a node on older code: a rename, or a rebuild, fills it).</param>
/// <param name="Month">The calendar month (YYYY-MM), in each offer's time zone.</param>
/// <param name="Lines">One line per offer the company was subscribed to or had slots attended or no-show on in the month, in offer id order.</param>
/// <param name="Totals">Sums of the lines: amountDue is what the company owes for the month.</param>
public sealed record UsageStatementResponse(string CompanyId, string? CompanyName, string Month, [property: Description(FinalFigures.ProvisionalDescription)] bool Provisional,
    [property: Description(FinalFigures.FinalFromDescription)] DateTimeOffset FinalFrom, IReadOnlyList<UsageLineResponse> Lines, UsageTotalsResponse Totals);

public static partial class UsageEndpoints
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
                at the first subscribed day of the month, charged whole (no proration) if the offer was open at any moment of one
                of the company's subscribed days of the month; if it was suspended or withdrawn throughout them, the fee is 0 and
                subscriptionFeeWaivedReason says why (offer_closed). Units attended and no-show are both charged, at the unit price in force
                when each booking was requested. The public co-funding is the offer's share (basis points, in force at the same
                instant as the fee) of the line total, rounded half-to-even to the cent; amountDue = total − coFunding. Totals are
                the sums of the lines. Money in cents of EUR.
                """)
            .ProducesUsageReadProblems();
        v1.MapClubUsage();
        v1.MapPartnerUsage();
        v1.MapProviderDeliveries();
        v1.MapClubDeliveries();
        return v1;
    }

    private static Task<Results<Ok<UsageStatementResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string companyId,
        [AsParameters] UsageReadContext context,
        CancellationToken cancellationToken) =>
        ReadMonthAsync(companyId, OrganizationKind.Company, context, async (month, token) =>
            {
                var lines = await UsageStatements.ReadLinesAsync(context.DataSource, new UsageScope(CompanyId: companyId), month.FirstDay, token);
                // The lines name the company; a month without lines asks for its name alone.
                var name = lines.Count > 0 ? lines[0].CompanyName : await UsageStatements.CompanyNameAsync(context.DataSource, companyId, token);
                return Statement(companyId, name, month, lines);
            },
            cancellationToken);
}
