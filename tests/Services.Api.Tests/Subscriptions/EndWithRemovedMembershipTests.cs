using Services.Api.Organizations;
using Services.Api.Subscriptions;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Subscriptions;

public sealed class EndWithRemovedMembershipTests
{
    private static readonly EndWithRemovedMembership Command = new(SubscriptionId);

    private static readonly DateOnly EndOfMarch = new(2025, 3, 31);

    private static OrganizationState RemovedOn(DateTimeOffset instant) => ClubWith(new MemberAdmitted(CompanyId), new MemberRemoved(CompanyId, instant));

    [Fact]
    public void A_removed_companys_subscription_ends_with_the_month_of_its_removal_and_closes_on_the_company()
    {
        var outcome = Subscription.Decide(Command, SubscriptionWith(), OfferWith(), RemovedOn(Now)).ThenAccepted();

        outcome.Subscription.ShouldBeEvents(new SubscriptionCancelled(EndOfMarch, SubscriptionEndReason.MembershipRemoved));
        outcome.Company.ShouldBeEvents(new SubscriptionClosed(SubscriptionId, OfferId, EndOfMarch));
    }

    [Fact]
    public void The_month_is_the_removals_in_the_offers_time_zone() =>
        Subscription.Decide(Command, SubscriptionWith(), OfferWith(), RemovedOn(new DateTimeOffset(2025, 3, 31, 22, 30, 0, TimeSpan.Zero)))
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(new DateOnly(2025, 4, 30), SubscriptionEndReason.MembershipRemoved));

    [Fact]
    public void One_yet_to_start_ends_the_day_before_its_start_and_never_charges() =>
        Subscription.Decide(Command, StartingOn(new DateOnly(2025, 3, 20)), OfferWith(), RemovedOn(Now))
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(new DateOnly(2025, 3, 19), SubscriptionEndReason.MembershipRemoved));

    [Fact]
    public void Later_bookings_do_not_keep_it_running() =>
        Subscription.Decide(Command, SubscriptionWith(new UnitsCounted("bkg_april", "2025-04", 3)), OfferWith(), RemovedOn(Now))
            .ThenAccepted().Subscription.ShouldBeEvents(new SubscriptionCancelled(EndOfMarch, SubscriptionEndReason.MembershipRemoved));

    [Fact]
    public void A_subscription_already_ending_by_then_is_left_as_it_is() =>
        Subscription.Decide(Command, SubscriptionWith(new SubscriptionCancelled(new DateOnly(2025, 2, 28))), OfferWith(), RemovedOn(Now))
            .ThenAccepted().Subscription.ShouldBeEmpty();

    [Fact]
    public void A_company_admitted_again_keeps_its_subscription() =>
        Subscription.Decide(Command, SubscriptionWith(), OfferWith(), ClubWith(new MemberAdmitted(CompanyId), new MemberRemoved(CompanyId, Now), new MemberAdmitted(CompanyId)))
            .ThenRefused("still_a_member");

    [Fact]
    public void A_removal_recorded_when_subscriptions_ran_on_after_it_leaves_them_running() =>
        Subscription.Decide(Command, SubscriptionWith(), OfferWith(), ClubWith(new MemberAdmitted(CompanyId), new MemberRemoved(CompanyId)))
            .ThenRefused("removed_while_subscriptions_ran_on");

    [Fact]
    public void An_unknown_subscription_ends_nothing() =>
        Subscription.Decide(Command, null, OfferWith(), RemovedOn(Now)).ThenRefused("subscription_not_found");
}
