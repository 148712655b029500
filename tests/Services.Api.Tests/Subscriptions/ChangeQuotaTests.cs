using Services.Api.Subscriptions;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Subscriptions;

public sealed class ChangeQuotaTests
{
    [Fact]
    public void The_monthly_quota_changes() =>
        Subscription.Decide(new ChangeQuota(SubscriptionId, 4), SubscriptionWith(), Now).Then(new QuotaChanged(4));

    [Fact]
    public void The_quota_may_drop_below_units_already_counted() =>
        Subscription.Decide(new ChangeQuota(SubscriptionId, 1), SubscriptionWith(new UnitsCounted("bkg_a", "2025-03", 3)), Now).Then(new QuotaChanged(1));

    [Fact]
    public void The_same_quota_changes_nothing() =>
        Subscription.Decide(new ChangeQuota(SubscriptionId, 10), SubscriptionWith(), Now).Then();

    [Fact]
    public void A_monthly_quota_is_at_least_one_unit() =>
        Subscription.Decide(new ChangeQuota(SubscriptionId, 0), SubscriptionWith(), Now).ThenRefused("invalid_quota");

    [Fact]
    public void A_cancelled_subscription_keeps_its_quota() =>
        Subscription.Decide(new ChangeQuota(SubscriptionId, 4), SubscriptionWith(new SubscriptionCancelled(new DateOnly(2025, 3, 31))), Now)
            .ThenRefused("subscription_cancelled");

    [Fact]
    public void An_unknown_subscription_has_no_quota() =>
        Subscription.Decide(new ChangeQuota(SubscriptionId, 4), null, Now).ThenRefused("subscription_not_found");
}
