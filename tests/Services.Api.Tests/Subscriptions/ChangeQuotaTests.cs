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
    public void A_counted_booking_still_fits_while_its_months_units_are_within_the_quota_its_own_among_them()
    {
        object[] counted = [new UnitsCounted("bkg_a", "2025-03", 2), new UnitsCounted("bkg_b", "2025-03", 1), new UnitsCounted("bkg_c", "2025-04", 1)];

        SubscriptionWith([.. counted, new QuotaChanged(3)]).StillFits("bkg_a").ShouldBeTrue();
        var lowered = SubscriptionWith([.. counted, new QuotaChanged(2)]);
        lowered.StillFits("bkg_a").ShouldBeFalse();
        lowered.StillFits("bkg_b").ShouldBeFalse();
        lowered.StillFits("bkg_c").ShouldBeTrue();
    }

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
