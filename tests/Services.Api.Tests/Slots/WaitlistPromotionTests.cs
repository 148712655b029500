using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Slots;

public sealed class WaitlistPromotionTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private WaitlistPromotion Reaction => api.Factory.Services.GetRequiredService<WaitlistPromotion>();

    [Fact]
    public async Task A_waiting_booking_passed_over_for_its_quota_is_promoted_once_its_company_is_back_within_it_by_a_change_elsewhere()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var (company, other) = (await api.RegisterMemberAsync(club), await api.RegisterMemberAsync(club));
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota: 4);
        var otherSubscription = await api.SubscribeAsync(other, offer.Id);
        var start = OffersAndSlots.InDays(10);
        var full = await api.ScheduleSlotAsync(club, offer.Id, start, capacity: 2);
        var roomy = await api.ScheduleSlotAsync(club, offer.Id, start.AddHours(2), capacity: 5);
        var taken = await api.BookAsync(other, otherSubscription.Id, full.Id, quantity: 2);
        var waiting = await api.BookAsync(company, subscription.Id, full.Id, quantity: 2);
        var elsewhere = await api.BookAsync(company, subscription.Id, roomy.Id, quantity: 2);
        (await company.Client.PatchAsJsonAsync($"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(2), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.CancelBookingAsync(other, taken.Id);
        (await api.GetBookingAsync(company, waiting.Id)).Status.ShouldBe(BookingStatus.Waitlisted);

        // Back within its quota by a cancellation on another slot: nothing on the full slot changes.
        await api.CancelBookingAsync(company, elsewhere.Id);
        (await api.GetBookingAsync(company, waiting.Id)).Status.ShouldBe(BookingStatus.Waitlisted);
        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        await api.CaughtUpAsync(CatalogReadModels.BookingListShard);
        (await Reaction.RunOnceAsync(CancellationToken.None)).ShouldBe(1);

        var promoted = await api.GetBookingAsync(company, waiting.Id);
        promoted.Status.ShouldBe(BookingStatus.Confirmed);
        var slot = await api.GetSlotAsync(club, full.Id);
        (slot.Reserved, slot.WaitlistLength).ShouldBe((2, 0));
        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        (await Reaction.RunOnceAsync(CancellationToken.None)).ShouldBe(0);
    }

    /// <summary>Removes the company from the club and lets the reaction end its subscriptions with this month.</summary>
    private async Task RemoveFromClubAsync(Actor club, Actor company)
    {
        (await club.Client.DeleteAsync($"/v1/clubs/{club.Id}/members/{company.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await api.CaughtUpAsync(InsightsProjection.ShardName);
        await api.CaughtUpAsync(CatalogReadModels.SubscriptionListShard);
        (await api.Service<StoppedSubscriptions>().RunOnceAsync(CancellationToken.None)).ShouldBe(1);
    }

    [Fact]
    public async Task A_company_removed_from_the_club_keeps_waiting_on_a_slot_after_its_subscription_ends_and_the_freed_seat_goes_to_the_next_in_line()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var (removed, filler, next) = (await api.RegisterMemberAsync(club), await api.RegisterMemberAsync(club), await api.RegisterMemberAsync(club));
        var removedSubscription = await api.SubscribeAsync(removed, offer.Id);
        var fillerSubscription = await api.SubscribeAsync(filler, offer.Id);
        var nextSubscription = await api.SubscribeAsync(next, offer.Id);
        // 40 days on: in a month after the one the removal ends its subscription with.
        var slot = await api.ScheduleSlotAsync(club, offer.Id, OffersAndSlots.InDays(40), capacity: 8);
        var taken = await api.BookAsync(filler, fillerSubscription.Id, slot.Id, quantity: 8);
        var waiting = await api.BookAsync(removed, removedSubscription.Id, slot.Id);
        var waitingNext = await api.BookAsync(next, nextSubscription.Id, slot.Id);
        (waiting.Status, waitingNext.Status).ShouldBe((BookingStatus.Waitlisted, BookingStatus.Waitlisted));
        await RemoveFromClubAsync(club, removed);
        await (await removed.PostBookingAsync(removedSubscription.Id, slot.Id)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "subscription_ended");

        await api.CancelBookingAsync(filler, taken.Id);

        (await api.GetBookingAsync(removed, waiting.Id)).Status.ShouldBe(BookingStatus.Waitlisted);
        (await api.GetBookingAsync(next, waitingNext.Id)).Status.ShouldBe(BookingStatus.Confirmed);
        var after = await api.GetSlotAsync(club, slot.Id);
        (after.Reserved, after.WaitlistLength).ShouldBe((1, 1));
    }

    [Fact]
    public async Task A_booking_passed_over_for_its_quota_is_not_promoted_once_back_within_it_when_its_subscription_has_ended_meanwhile()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var (removed, other) = (await api.RegisterMemberAsync(club), await api.RegisterMemberAsync(club));
        var subscription = await api.SubscribeAsync(removed, offer.Id, monthlyQuota: 4);
        var otherSubscription = await api.SubscribeAsync(other, offer.Id);
        var start = OffersAndSlots.InDays(40);
        var full = await api.ScheduleSlotAsync(club, offer.Id, start, capacity: 2);
        var roomy = await api.ScheduleSlotAsync(club, offer.Id, start.AddHours(2), capacity: 5);
        var taken = await api.BookAsync(other, otherSubscription.Id, full.Id, quantity: 2);
        var waiting = await api.BookAsync(removed, subscription.Id, full.Id, quantity: 2);
        var elsewhere = await api.BookAsync(removed, subscription.Id, roomy.Id, quantity: 2);
        (await removed.Client.PatchAsJsonAsync($"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(2), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.CancelBookingAsync(other, taken.Id);
        await RemoveFromClubAsync(club, removed);

        // Back within its quota, but its subscription ends before the slot's day: the periodic promotion passes it over too.
        await api.CancelBookingAsync(club, elsewhere.Id);
        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        await api.CaughtUpAsync(CatalogReadModels.BookingListShard);
        (await Reaction.RunOnceAsync(CancellationToken.None)).ShouldBe(0);

        (await api.GetBookingAsync(removed, waiting.Id)).Status.ShouldBe(BookingStatus.Waitlisted);
        (await api.GetSlotAsync(club, full.Id)).Remaining.ShouldBe(2);
    }

    [Fact]
    public async Task A_waiting_booking_still_over_its_quota_or_larger_than_the_free_seats_keeps_waiting()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var (company, other) = (await api.RegisterMemberAsync(club), await api.RegisterMemberAsync(club));
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota: 4);
        var otherSubscription = await api.SubscribeAsync(other, offer.Id);
        var full = await api.ScheduleSlotAsync(club, offer.Id, OffersAndSlots.InDays(10), capacity: 3);
        var taken = await api.BookAsync(other, otherSubscription.Id, full.Id, quantity: 2);
        var small = await api.BookAsync(other, otherSubscription.Id, full.Id, quantity: 1);
        var overQuota = await api.BookAsync(company, subscription.Id, full.Id, quantity: 2);
        var tooLarge = await api.BookAsync(other, otherSubscription.Id, full.Id, quantity: 3);
        (await company.Client.PatchAsJsonAsync($"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(1), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.CancelBookingAsync(other, taken.Id);
        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        await api.CaughtUpAsync(CatalogReadModels.BookingListShard);

        await Reaction.RunOnceAsync(CancellationToken.None);

        (await api.GetBookingAsync(company, overQuota.Id)).Status.ShouldBe(BookingStatus.Waitlisted);
        (await api.GetBookingAsync(other, tooLarge.Id)).Status.ShouldBe(BookingStatus.Waitlisted);
        (await api.GetSlotAsync(club, full.Id)).Remaining.ShouldBe(2);
    }

    [Fact]
    public async Task Waiting_bookings_that_cannot_be_promoted_do_not_hide_one_that_can_behind_them()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var (stuckCompany, company, other) = (await api.RegisterMemberAsync(club), await api.RegisterMemberAsync(club), await api.RegisterMemberAsync(club));
        var stuckSubscription = await api.SubscribeAsync(stuckCompany, offer.Id, monthlyQuota: 2);
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota: 4);
        var otherSubscription = await api.SubscribeAsync(other, offer.Id);
        var start = OffersAndSlots.InDays(10);
        // The earliest candidate, and the first by id: free seats and a booking kept waiting by its company's quota.
        var stuck = await api.ScheduleSlotAsync(club, offer.Id, start, capacity: 2);
        var full = await api.ScheduleSlotAsync(club, offer.Id, start.AddHours(1), capacity: 2);
        var roomy = await api.ScheduleSlotAsync(club, offer.Id, start.AddHours(2), capacity: 5);
        var takenFromStuck = await api.BookAsync(other, otherSubscription.Id, stuck.Id, quantity: 2);
        var overQuota = await api.BookAsync(stuckCompany, stuckSubscription.Id, stuck.Id, quantity: 2);
        (await stuckCompany.Client.PatchAsJsonAsync($"/v1/subscriptions/{stuckSubscription.Id}", new ChangeQuotaRequest(1), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.CancelBookingAsync(other, takenFromStuck.Id);
        var taken = await api.BookAsync(other, otherSubscription.Id, full.Id, quantity: 2);
        var waiting = await api.BookAsync(company, subscription.Id, full.Id, quantity: 2);
        var elsewhere = await api.BookAsync(company, subscription.Id, roomy.Id, quantity: 2);
        (await company.Client.PatchAsJsonAsync($"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(2), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.CancelBookingAsync(other, taken.Id);
        await api.CancelBookingAsync(company, elsewhere.Id);
        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        await api.CaughtUpAsync(CatalogReadModels.BookingListShard);

        await using var onePerQuery = api.WithClock(new FakeClock(DateTimeOffset.UtcNow), ("Reactions:CandidatesPerQuery", "1"));
        await onePerQuery.Service<WaitlistPromotion>().RunOnceAsync(CancellationToken.None);

        (await api.GetBookingAsync(company, waiting.Id)).Status.ShouldBe(BookingStatus.Confirmed);
        (await api.GetBookingAsync(stuckCompany, overQuota.Id)).Status.ShouldBe(BookingStatus.Waitlisted);
    }
}
