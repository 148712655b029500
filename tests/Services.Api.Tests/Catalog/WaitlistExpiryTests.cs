using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Slots;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Catalog;

public sealed class WaitlistExpiryTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    /// <summary>The API on the fixture's database with a clock set by hand (the fixture leaves the periodic run to the test).</summary>
    private (ClockedApi Api, WaitlistExpiry Expiry) Clocked(FakeClock clock)
    {
        var clocked = api.WithClock(clock);
        return (clocked, clocked.Service<WaitlistExpiry>());
    }

    [Fact]
    public async Task Once_a_slot_starts_its_waitlisted_bookings_expire_and_give_their_units_back()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota: 10);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: 2);
        var untouched = await api.ScheduleSlotAsync(club, offer.Id, slot.Start.AddDays(1), capacity: 1);
        var confirmed = await api.BookAsync(company, subscription.Id, slot.Id, quantity: 2);
        var first = await api.BookAsync(company, subscription.Id, slot.Id);
        var second = await api.BookAsync(company, subscription.Id, slot.Id, quantity: 2);
        await api.BookAsync(company, subscription.Id, untouched.Id);
        var waitingLater = await api.BookAsync(company, subscription.Id, untouched.Id);
        first.Status.ShouldBe(BookingStatus.Waitlisted);
        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        var (clocked, expiry) = Clocked(new FakeClock(slot.Start.AddMinutes(-1)));
        await using var _ = clocked;

        (await expiry.RunOnceAsync(CancellationToken.None)).ShouldBe(0);
        (await api.GetBookingAsync(company, first.Id)).Status.ShouldBe(BookingStatus.Waitlisted);

        clocked.Clock.Set(slot.Start);
        (await expiry.RunOnceAsync(CancellationToken.None)).ShouldBe(2);

        (await api.GetBookingAsync(company, first.Id)).Status.ShouldBe(BookingStatus.Expired);
        (await api.GetBookingAsync(company, second.Id)).Status.ShouldBe(BookingStatus.Expired);
        (await api.GetBookingAsync(company, confirmed.Id)).Status.ShouldBe(BookingStatus.Confirmed);
        (await api.GetBookingAsync(company, waitingLater.Id)).Status.ShouldBe(BookingStatus.Waitlisted);
        var read = await api.GetSlotAsync(company, slot.Id);
        read.WaitlistLength.ShouldBe(0);
        read.Reserved.ShouldBe(2);
        (await api.GetSubscriptionAsync(company, subscription.Id)).Usage.Sum(u => u.UnitsUsed).ShouldBe(4); // confirmed + the later slot's two

        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        (await expiry.RunOnceAsync(CancellationToken.None)).ShouldBe(0);
        var availability = await company.Client.ListAsync<SlotResponse>($"/v1/offers/{offer.Id}/availability?from={Uri.EscapeDataString(slot.Start.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}");
        availability.Data.Select(s => (s.Id, s.WaitlistLength)).ShouldBe([(slot.Id, 0), (untouched.Id, 1)]);
        await api.CaughtUpAsync(CatalogReadModels.BookingListShard);
        (await company.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={slot.Id}&status=expired")).Data.Select(b => b.Id).ShouldBe([second.Id, first.Id]);
    }
}
