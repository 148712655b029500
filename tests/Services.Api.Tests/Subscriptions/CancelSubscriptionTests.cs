using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Subscriptions;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Subscriptions;

public sealed class CancelSubscriptionTests
{
    [Fact]
    public void A_subscription_runs_to_the_end_of_the_month_it_is_cancelled_in_and_closes_on_the_company()
    {
        var outcome = Subscription.Decide(new CancelSubscription(SubscriptionId), SubscriptionWith(), OfferWith(), Now).ThenAccepted();

        outcome.Subscription.ShouldBeEvents(new SubscriptionCancelled(new DateOnly(2025, 3, 31), SubscriptionEndReason.OnRequest));
        outcome.Company.ShouldBeEvents(new SubscriptionClosed(SubscriptionId, OfferId, new DateOnly(2025, 3, 31)));
    }

    [Fact]
    public void A_cancelled_subscription_reads_why_and_one_cancelled_before_reasons_were_recorded_reads_none()
    {
        SubscriptionWith(new SubscriptionCancelled(new DateOnly(2025, 3, 31), SubscriptionEndReason.MembershipRemoved)).EndReason.ShouldBe(SubscriptionEndReason.MembershipRemoved);
        SubscriptionWith(new SubscriptionCancelled(new DateOnly(2025, 3, 31))).EndReason.ShouldBeNull();
        SubscriptionWith().EndReason.ShouldBeNull();
    }

    [Fact]
    public void A_subscription_of_an_offer_withdrawn_in_an_earlier_month_ends_with_that_month() =>
        Subscription.Decide(new CancelSubscription(SubscriptionId), SubscriptionWith(), OfferWith(new OfferWithdrawn(Now.AddMonths(-1))), Now)
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(new DateOnly(2025, 2, 28), SubscriptionEndReason.OnRequest));

    [Fact]
    public void The_month_is_the_one_of_the_offers_time_zone()
    {
        var lateOnMarch31InUtcButAprilInFigeac = new DateTimeOffset(2025, 3, 31, 22, 30, 0, TimeSpan.Zero);

        Subscription.Decide(new CancelSubscription(SubscriptionId), SubscriptionWith(), OfferWith(), lateOnMarch31InUtcButAprilInFigeac)
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(new DateOnly(2025, 4, 30), SubscriptionEndReason.OnRequest));
    }

    [Fact]
    public void A_subscription_with_bookings_after_its_end_is_not_cancelled_until_they_are()
    {
        object[] booked = [new UnitsCounted("bkg_march", "2025-03", 2), new UnitsCounted("bkg_april", "2025-04", 3)];

        var refusal = Subscription.Decide(new CancelSubscription(SubscriptionId), SubscriptionWith(booked), OfferWith(), Now)
            .ThenRefused("subscription_has_later_bookings");
        refusal.Detail.ShouldContain("3 units booked after 2025-03-31");
        refusal.Facts.ShouldNotBeNull()["bookingIds"].ShouldBe(new[] { "bkg_april" });
        refusal.Facts["bookingCount"].ShouldBe(1);
        refusal.Facts["endsOn"].ShouldBe("2025-03-31");
        Subscription.Decide(new CancelSubscription(SubscriptionId), SubscriptionWith([.. booked, new UnitsReleased("bkg_april", "2025-04", 3)]), OfferWith(), Now)
            .ThenAccepted();
    }

    [Fact]
    public void A_refusal_names_the_oldest_bookings_in_the_way_and_counts_the_others()
    {
        object[] booked = [.. Enumerable.Range(10, Subscription.MaxNamedBookings + 5).Select(i => new UnitsCounted($"bkg_{i}", "2025-05", 1))];

        var refusal = Subscription.Decide(new CancelSubscription(SubscriptionId), SubscriptionWith(booked), OfferWith(), Now)
            .ThenRefused("subscription_has_later_bookings");

        refusal.Facts.ShouldNotBeNull()["bookingIds"].ShouldBe(Enumerable.Range(10, Subscription.MaxNamedBookings).Select(i => $"bkg_{i}").ToArray());
        refusal.Facts["bookingCount"].ShouldBe(Subscription.MaxNamedBookings + 5);
        refusal.Detail.ShouldContain("(bkg_10, bkg_11, ");
        refusal.Detail.ShouldContain("and 5 more): cancel those bookings first.");
    }

    [Fact]
    public void One_cancelled_before_its_start_ends_the_day_before_it_and_never_charges()
    {
        Subscription.Decide(new CancelSubscription(SubscriptionId), StartingOn(new DateOnly(2025, 3, 20)), OfferWith(), Now)
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(new DateOnly(2025, 3, 19), SubscriptionEndReason.OnRequest));
        // Its bookings would be left with no subscription at all: they go first, even those of this month.
        Subscription.Decide(new CancelSubscription(SubscriptionId), StartingOn(new DateOnly(2025, 3, 20), new UnitsCounted("bkg_march", "2025-03", 2)), OfferWith(), Now)
            .ThenRefused("subscription_has_later_bookings").Detail.ShouldContain("2 units");
    }

    [Fact]
    public void A_subscription_is_cancelled_once() =>
        Subscription.Decide(new CancelSubscription(SubscriptionId), SubscriptionWith(new SubscriptionCancelled(new DateOnly(2025, 3, 31))), OfferWith(), Now)
            .ThenRefused("subscription_cancelled");

    [Fact]
    public void An_unknown_subscription_is_not_cancelled() =>
        Subscription.Decide(new CancelSubscription(SubscriptionId), null, OfferWith(), Now).ThenRefused("subscription_not_found");
}
