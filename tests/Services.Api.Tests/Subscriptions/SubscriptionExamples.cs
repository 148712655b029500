using Services.Api.Subscriptions;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Subscriptions;

public static class SubscriptionExamples
{
    public const string SubscriptionId = "sub_company";
    public const string OtherSubscriptionId = "sub_other_company";

    public static readonly DateOnly StartsOn = new(2025, 3, 1);

    public static Subscribed Subscribed(int quota = 10, string id = SubscriptionId, string companyId = CompanyId) =>
        new(id, companyId, OfferId, ClubId, quota, StartsOn, Now.AddDays(-10));

    public static SubscriptionState SubscriptionWith(params object[] then) => Given<SubscriptionState>(Subscription.Evolve, [Subscribed(), .. then])!;

    public static SubscriptionState StartingOn(DateOnly startsOn, params object[] then) =>
        Given<SubscriptionState>(Subscription.Evolve, [Subscribed() with { StartsOn = startsOn }, .. then])!;

    public static SubscriptionState OtherSubscriptionWith(params object[] then) =>
        Given<SubscriptionState>(Subscription.Evolve, [Subscribed(id: OtherSubscriptionId, companyId: OtherCompanyId), .. then])!;
}
