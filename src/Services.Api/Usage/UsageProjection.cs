using Services.Api.Demand;

namespace Services.Api.Usage;

public sealed class UsageProjection() : InsightProjection(ShardName, InsightTables.Offers | InsightTables.Slots | InsightTables.Bookings | InsightTables.OfferTerms | InsightTables.Subscriptions)
{
    public const string ShardName = "usage";
}
