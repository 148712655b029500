using Services.Api.Demand;

namespace Services.Api.Indicators;

public sealed class IndicatorsProjection() : InsightProjection(
    ShardName,
    InsightTables.Offers | InsightTables.Slots | InsightTables.Bookings | InsightTables.OfferTerms
    | InsightTables.Subscriptions | InsightTables.Needs | InsightTables.Organizations)
{
    public const string ShardName = "indicators";
}
