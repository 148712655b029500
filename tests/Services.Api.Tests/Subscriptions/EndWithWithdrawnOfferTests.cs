using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Subscriptions;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Subscriptions;

public sealed class EndWithWithdrawnOfferTests
{
    private static readonly EndWithWithdrawnOffer Command = new(SubscriptionId);

    private static readonly DateOnly EndOfMarch = new(2025, 3, 31);

    private static OfferState WithdrawnOn(DateTimeOffset instant) => OfferWith(new OfferWithdrawn(instant));

    [Fact]
    public void A_withdrawn_offers_subscription_ends_with_the_month_of_the_withdrawal_and_closes_on_the_company()
    {
        var outcome = Subscription.Decide(Command, SubscriptionWith(), WithdrawnOn(Now), Now.AddDays(45)).ThenAccepted();

        outcome.Subscription.ShouldBeEvents(new SubscriptionCancelled(EndOfMarch, SubscriptionEndReason.OfferWithdrawn));
        outcome.Company.ShouldBeEvents(new SubscriptionClosed(SubscriptionId, OfferId, EndOfMarch));
    }

    [Fact]
    public void The_month_is_the_one_of_the_offers_time_zone() =>
        Subscription.Decide(Command, SubscriptionWith(), WithdrawnOn(new DateTimeOffset(2025, 3, 31, 22, 30, 0, TimeSpan.Zero)), Now)
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(new DateOnly(2025, 4, 30), SubscriptionEndReason.OfferWithdrawn));

    [Fact]
    public void One_yet_to_start_after_the_withdrawal_ends_the_day_before_its_start_and_never_charges() =>
        Subscription.Decide(Command, StartingOn(new DateOnly(2025, 3, 20)), WithdrawnOn(Now), Now)
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(new DateOnly(2025, 3, 19), SubscriptionEndReason.OfferWithdrawn));

    [Fact]
    public void Later_bookings_do_not_keep_it_running() =>
        Subscription.Decide(Command, SubscriptionWith(new UnitsCounted("bkg_april", "2025-04", 3)), WithdrawnOn(Now), Now)
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(EndOfMarch, SubscriptionEndReason.OfferWithdrawn));

    [Fact]
    public void A_subscription_already_ending_by_then_is_left_as_it_is()
    {
        Subscription.Decide(Command, SubscriptionWith(new SubscriptionCancelled(EndOfMarch)), WithdrawnOn(Now), Now).ThenAccepted().Subscription.ShouldBeEmpty();
        Subscription.Decide(Command, SubscriptionWith(new SubscriptionCancelled(new DateOnly(2025, 2, 28))), WithdrawnOn(Now), Now).ThenAccepted().Company.ShouldBeEmpty();
    }

    [Fact]
    public void A_cancellation_that_ran_later_than_the_withdrawal_month_is_brought_back_to_it() =>
        Subscription.Decide(Command, SubscriptionWith(new SubscriptionCancelled(new DateOnly(2025, 4, 30))), WithdrawnOn(Now), Now)
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(EndOfMarch, SubscriptionEndReason.OfferWithdrawn));

    [Fact]
    public void A_withdrawal_recorded_without_its_instant_ends_it_with_the_month_it_was_recorded_in() =>
        Subscription.Decide(Command, SubscriptionWith(), OfferWith(new OfferWithdrawn()), Now.AddMonths(-1))
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(new DateOnly(2025, 2, 28), SubscriptionEndReason.OfferWithdrawn));

    [Fact]
    public void An_offer_still_offered_ends_nothing()
    {
        Subscription.Decide(Command, SubscriptionWith(), OfferWith(), Now).ThenRefused("offer_not_withdrawn");
        Subscription.Decide(Command, SubscriptionWith(), OfferWith(new OfferSuspended(null)), Now).ThenRefused("offer_not_withdrawn");
    }

    [Fact]
    public void An_unknown_subscription_ends_nothing() =>
        Subscription.Decide(Command, null, WithdrawnOn(Now), Now).ThenRefused("subscription_not_found");
}
