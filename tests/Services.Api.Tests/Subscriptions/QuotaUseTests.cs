using Services.Api.Subscriptions;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Subscriptions;

/// <summary>The months a subscription's usage lists, as its quota use evolves.</summary>
public sealed class QuotaUseTests
{
    private static readonly DateOnly Today = new(2025, 3, 10);

    private static string[] MonthsListed(SubscriptionState state) => [.. SubscriptionResponse.From(state, Today).Usage.Select(u => u.Month)];

    [Fact]
    public void Units_released_leave_no_month_behind() =>
        MonthsListed(SubscriptionWith(new UnitsCounted("bkg_a", "2025-06", 2), new UnitsReleased("bkg_a", "2025-06", 2)))
            .ShouldBe(["2025-03", "2025-04"]);

    [Fact]
    public void A_month_stays_listed_while_another_booking_holds_units_in_it()
    {
        var state = SubscriptionWith(new UnitsCounted("bkg_a", "2025-06", 2), new UnitsCounted("bkg_b", "2025-06", 1), new UnitsReleased("bkg_a", "2025-06", 2));

        MonthsListed(state).ShouldBe(["2025-03", "2025-04", "2025-06"]);
        state.UnitsUsedIn("2025-06").ShouldBe(1);
    }

    [Fact]
    public void A_booking_counted_again_in_another_month_moves_its_units()
    {
        var state = SubscriptionWith(new UnitsCounted("bkg_a", "2025-06", 2), new UnitsCounted("bkg_a", "2025-07", 2));

        MonthsListed(state).ShouldBe(["2025-03", "2025-04", "2025-07"]);
        state.UnitsUsedIn("2025-07").ShouldBe(2);
    }

    /// <summary>A cached subscription keeps every booking's units: one copy of a month's name per booking would weigh more than the units.</summary>
    [Fact]
    public void Bookings_of_one_month_share_its_name()
    {
        var state = SubscriptionWith(
            new UnitsCounted("bkg_a", new string("2025-06".AsSpan()), 1),
            new UnitsCounted("bkg_b", new string("2025-06".AsSpan()), 1),
            new UnitsCounted("bkg_c", new string("2025-06".AsSpan()), 2));

        state.Units.ByBooking["bkg_b"].Month.ShouldBeSameAs(state.Units.ByBooking["bkg_a"].Month);
        state.Units.ByBooking["bkg_c"].Month.ShouldBeSameAs(state.Units.ByBooking["bkg_a"].Month);
        state.UnitsUsedIn("2025-06").ShouldBe(4);
    }

    [Fact]
    public void Releasing_a_booking_that_took_nothing_changes_nothing()
    {
        var state = SubscriptionWith(new UnitsCounted("bkg_a", "2025-03", 3));

        Subscription.Evolve(state, new UnitsReleased("bkg_unknown", "2025-03", 3))!.Units.ShouldBeSameAs(state.Units);
    }
}
