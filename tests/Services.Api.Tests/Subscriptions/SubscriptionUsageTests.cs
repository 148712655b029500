using Services.Api.Subscriptions;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Subscriptions;

public sealed class SubscriptionUsageTests
{
    private static readonly DateOnly Today = new(2025, 3, 10);

    private static string[] Months(SubscriptionState state) => [.. SubscriptionResponse.From(state, Today).Usage.Select(month => month.Month)];

    [Fact]
    public void An_active_subscription_shows_this_month_and_the_next() =>
        Months(SubscriptionWith()).ShouldBe(["2025-03", "2025-04"]);

    [Fact]
    public void One_that_starts_later_shows_its_first_two_months() =>
        Months(StartingOn(new DateOnly(2025, 6, 1))).ShouldBe(["2025-06", "2025-07"]);

    [Fact]
    public void None_after_it_ends()
    {
        Months(SubscriptionWith(new SubscriptionCancelled(new DateOnly(2025, 3, 31)))).ShouldBe(["2025-03"]);
        Months(StartingOn(new DateOnly(2025, 3, 20), new SubscriptionCancelled(new DateOnly(2025, 3, 19)))).ShouldBeEmpty();
    }

    [Fact]
    public void Later_months_with_units_are_shown_whatever_they_are() =>
        Months(SubscriptionWith(new UnitsCounted("bkg_june", "2025-06", 2))).ShouldBe(["2025-03", "2025-04", "2025-06"]);
}
