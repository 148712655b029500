using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Subscriptions;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Subscriptions;

public sealed class SubscribeTests
{
    private static readonly Subscribe Command = new(SubscriptionId, CompanyId, OfferId, 10, StartsOn);
    private static readonly OrganizationState ClubWithMember = ClubWith(new MemberAdmitted(CompanyId));

    [Fact]
    public void A_member_company_subscribes_and_its_stream_records_the_open_subscription()
    {
        var outcome = Subscription.Decide(Command, null, OfferWith(), ClubWithMember, CompanyWith(), Now).ThenAccepted();

        outcome.Subscription.ShouldBeEvents(new Subscribed(SubscriptionId, CompanyId, OfferId, ClubId, 10, StartsOn, Now));
        outcome.Company.ShouldBeEvents(new SubscriptionOpened(SubscriptionId, OfferId));
    }

    [Fact]
    public void Only_members_of_the_offers_club_subscribe() =>
        Subscription.Decide(Command, null, OfferWith(), ClubWith(), CompanyWith(), Now).ThenRefused("not_a_member");

    [Fact]
    public void A_company_has_one_active_subscription_per_offer() =>
        Subscription.Decide(Command, null, OfferWith(), ClubWithMember, CompanyWith(new SubscriptionOpened("sub_earlier", OfferId)), Now)
            .ThenRefused("subscription_exists").Detail.ShouldContain("sub_earlier");

    [Fact]
    public void A_company_subscribes_again_once_its_subscription_is_closed() =>
        Subscription.Decide(
                Command, null, OfferWith(), ClubWithMember,
                CompanyWith(new SubscriptionOpened("sub_earlier", OfferId), new SubscriptionClosed("sub_earlier", OfferId)), Now)
            .ThenAccepted().Company.ShouldBeEvents(new SubscriptionOpened(SubscriptionId, OfferId));

    [Fact]
    public void A_new_subscription_starts_after_the_cancelled_one_ends()
    {
        var cancelled = CompanyWith(new SubscriptionOpened("sub_earlier", OfferId), new SubscriptionClosed("sub_earlier", OfferId, StartsOn.AddDays(3)));

        Subscription.Decide(Command with { StartsOn = StartsOn.AddDays(3) }, null, OfferWith(), ClubWithMember, cancelled, Now)
            .ThenRefused("subscription_exists").Detail.ShouldContain(StartsOn.AddDays(4).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Subscription.Decide(Command with { StartsOn = StartsOn.AddDays(4) }, null, OfferWith(), ClubWithMember, cancelled, Now).ThenAccepted();
    }

    [Fact]
    public void A_withdrawn_offer_takes_no_new_subscriptions() =>
        Subscription.Decide(Command, null, OfferWith(new OfferWithdrawn()), ClubWithMember, CompanyWith(), Now).ThenRefused("offer_withdrawn");

    [Fact]
    public void A_suspended_offer_takes_no_new_subscriptions() =>
        Subscription.Decide(Command, null, OfferWith(new OfferSuspended(null)), ClubWithMember, CompanyWith(), Now).ThenRefused("offer_suspended");

    [Fact]
    public void A_monthly_quota_is_at_least_one_unit() =>
        Subscription.Decide(Command with { MonthlyQuota = 0 }, null, OfferWith(), ClubWithMember, CompanyWith(), Now).ThenRefused("invalid_quota");

    [Fact]
    public void Only_a_company_subscribes() =>
        Subscription.Decide(Command with { CompanyId = PartnerId }, null, OfferWith(), ClubWithMember, Partner(), Now).ThenRefused("not_a_company");

    [Fact]
    public void An_unknown_offer_takes_no_subscription() =>
        Subscription.Decide(Command, null, null, ClubWithMember, CompanyWith(), Now).ThenRefused("offer_not_found");

    [Fact]
    public void A_subscription_is_created_once() =>
        Subscription.Decide(Command, SubscriptionWith(), OfferWith(), ClubWithMember, CompanyWith(), Now).ThenRefused("subscription_exists");
}
