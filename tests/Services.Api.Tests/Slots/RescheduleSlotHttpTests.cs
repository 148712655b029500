using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Slots;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Feed;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Slots;

/// <summary>Slots start three days ahead at 09:00 UTC: 10:00 or 11:00 in Paris, the offer's time zone, hours from either midnight.</summary>
public sealed class RescheduleSlotHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static HttpRequestMessage Reschedule(string slotId, DateTimeOffset start, DateTimeOffset end, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/slots/{slotId}/reschedule")
        {
            Content = JsonContent.Create(new RescheduleSlotRequest(start, end), options: ApiFixture.JsonOptions),
        };
        if (ifMatch is not null) request.Headers.IfMatch.Add(new EntityTagHeaderValue(ifMatch));
        return request;
    }

    private static Task<HttpResponseMessage> RescheduleAsync(HttpClient client, string slotId, DateTimeOffset start, DateTimeOffset? end = null) =>
        client.SendAsync(Reschedule(slotId, start, end ?? start.AddHours(1)));

    /// <summary>A club's offer and slot, with a member company subscribed to it.</summary>
    private async Task<(Actor Club, string OfferId, SlotResponse Slot, Actor Company, string SubscriptionId)> SceneAsync(int capacity = 10)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: capacity);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        return (club, offer.Id, slot, company, subscription.Id);
    }

    [Fact]
    public async Task The_club_moves_a_slot_within_its_day_and_its_bookings_availability_and_lists_show_the_new_time()
    {
        var (club, offerId, slot, company, subscriptionId) = await SceneAsync(capacity: 1);
        var confirmed = await api.BookAsync(company, subscriptionId, slot.Id);
        var waitlisted = await api.BookAsync(company, subscriptionId, slot.Id);
        var start = slot.Start.AddHours(5);

        var moved = await club.Client.SendAsync(Reschedule(slot.Id, start, start.AddHours(2), "\"3\""));

        moved.StatusCode.ShouldBe(HttpStatusCode.OK, await moved.Content.ReadAsStringAsync());
        moved.Headers.ETag!.Tag.ShouldBe("\"4\"");
        (await moved.Content.ReadFromJsonAsync<SlotResponse>(ApiFixture.JsonOptions)).ShouldBe(slot with { Start = start, End = start.AddHours(2), Reserved = 1, Remaining = 0, WaitlistLength = 1 });
        (await api.GetBookingAsync(company, confirmed.Id) with { CompanyName = null }).ShouldBe(confirmed with { SlotStart = start });
        (await api.GetBookingAsync(company, waitlisted.Id)).SlotStart.ShouldBe(start);
        var position = Uri.EscapeDataString(moved.Position());
        (await company.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={slot.Id}&minPosition={position}")).Data.Select(b => b.SlotStart).ShouldBe([start, start]);
        var from = Uri.EscapeDataString(WireName.Of(start));
        (await company.Client.ListAsync<BookingResponse>($"/v1/bookings?from={from}&minPosition={position}")).Data.Count.ShouldBe(2);
        var availability = (await company.Client.ListAsync<SlotResponse>($"/v1/offers/{offerId}/availability?minPosition={position}")).Data.ShouldHaveSingleItem();
        (availability.Start, availability.End, availability.WaitlistLength).ShouldBe((start, start.AddHours(2), 1));
    }

    [Fact]
    public async Task The_companies_booked_learn_their_booking_moved_and_everyone_that_the_slot_did()
    {
        var (club, _, slot, company, subscriptionId) = await SceneAsync();
        var booking = await api.BookAsync(company, subscriptionId, slot.Id);
        var bystander = await api.RegisterAsync(OrganizationKind.Company);
        var start = slot.Start.AddMinutes(15);

        (await RescheduleAsync(club.Client, slot.Id, start)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await api.CaughtUpAsync(FeedRegistration.FeedShard);
        var seen = (await FeedReading.ReadAllAsync(company.Client)).Events;
        var bookingMoved = seen.Where(e => e.Type == "booking.rescheduled").ShouldHaveSingleItem();
        bookingMoved.StreamId.ShouldBe(Booking.StreamId(booking.Id));
        bookingMoved.Data.GetProperty("slotStart").GetDateTimeOffset().ShouldBe(start);
        bookingMoved.Data.GetProperty("previousSlotStart").GetDateTimeOffset().ShouldBe(slot.Start);
        bookingMoved.Data.GetProperty("slotId").GetString().ShouldBe(slot.Id);
        seen.ShouldContain(e => e.Type == "slot.rescheduled" && e.StreamId == Slot.StreamId(slot.Id));
        var others = (await FeedReading.ReadAllAsync(bystander.Client)).Events;
        others.ShouldContain(e => e.Type == "slot.rescheduled" && e.StreamId == Slot.StreamId(slot.Id));
        others.ShouldNotContain(e => e.Type == "booking.rescheduled");
    }

    [Fact]
    public async Task Only_the_owning_club_or_the_operator_moves_a_slot()
    {
        var (club, _, slot, company, _) = await SceneAsync();
        var other = await api.RegisterAsync(OrganizationKind.Club);
        var start = slot.Start.AddHours(1);

        await (await RescheduleAsync(company.Client, slot.Id, start)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        // Slots are public: another club knows it exists, as for their capacity and cancellation.
        await (await RescheduleAsync(other.Client, slot.Id, start)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await RescheduleAsync(club.Client, Ids.New(Ids.Slot), start)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        (await api.GetSlotAsync(club, slot.Id)).Start.ShouldBe(slot.Start);

        var moved = await RescheduleAsync(api.Operator, slot.Id, start);

        moved.StatusCode.ShouldBe(HttpStatusCode.OK, await moved.Content.ReadAsStringAsync());
        (await api.GetSlotAsync(club, slot.Id)).Start.ShouldBe(start);
    }

    [Fact]
    public async Task Another_day_is_refused_telling_the_club_to_cancel_and_schedule_a_new_slot()
    {
        var (club, _, slot, _, _) = await SceneAsync();

        var refused = await RescheduleAsync(club.Client, slot.Id, slot.Start.AddDays(1));

        (await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_reschedule_changes_day")).GetProperty("detail").GetString()
            .ShouldNotBeNull().ShouldContain("Cancel the slot and schedule a new one");
        (await api.GetSlotAsync(club, slot.Id)).Start.ShouldBe(slot.Start);
    }

    [Fact]
    public async Task A_cancelled_slot_a_withdrawn_offers_slot_a_stale_if_match_and_a_start_in_the_past_are_refused()
    {
        var (club, offerId, slot, _, _) = await SceneAsync();
        var cancelled = await api.ScheduleSlotAsync(club, offerId);
        await api.CancelSlotAsync(club, cancelled.Id);

        await (await RescheduleAsync(club.Client, cancelled.Id, cancelled.Start.AddHours(1))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_cancelled");
        await (await club.Client.SendAsync(Reschedule(slot.Id, slot.Start.AddHours(1), slot.End.AddHours(1), "\"7\""))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        await (await RescheduleAsync(club.Client, slot.Id, DateTimeOffset.UtcNow.AddMinutes(-5))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_in_past");
        await api.WithdrawOfferAsync(club, offerId);
        await (await RescheduleAsync(club.Client, slot.Id, slot.Start.AddHours(1))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_withdrawn");
    }

    [Theory]
    [InlineData("{\"end\":\"2099-01-01T10:00:00Z\"}", "start")]
    [InlineData("{\"start\":\"2099-01-01T10:00:00Z\"}", "end")]
    [InlineData("{\"start\":\"{start}\",\"end\":\"{start}\"}", "end")]
    [InlineData("{\"start\":\"{start}\",\"end\":\"{start+25h}\"}", "end")]
    [InlineData("{\"start\":\"2099-01-01T09:00:00Z\",\"end\":\"2099-01-01T10:00:00Z\"}", "start")]
    [InlineData("{\"start\":\"{start}\",\"end\":\"{start+1h}\",\"capacity\":3}", "capacity")]
    [InlineData("{\"start\":\"tomorrow\",\"end\":\"{start+1h}\"}", "start")]
    [InlineData("{\"start\":\"2099-01-01T09:00:00\",\"end\":\"2099-01-01T10:00:00Z\"}", "start")] // no offset: whose 9 o'clock?
    public async Task Invalid_reschedules_are_400_naming_the_field(string json, string field)
    {
        var (club, _, slot, _, _) = await SceneAsync();
        var body = json.Replace("{start}", WireName.Of(slot.Start), StringComparison.Ordinal)
            .Replace("{start+1h}", WireName.Of(slot.Start.AddHours(1)), StringComparison.Ordinal)
            .Replace("{start+25h}", WireName.Of(slot.Start.AddHours(25)), StringComparison.Ordinal);

        var response = await club.Client.PostAsync($"/v1/slots/{slot.Id}/reschedule", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task A_booking_is_cancelled_until_its_slots_new_start_not_after_and_a_started_slot_stays_put()
    {
        var (club, _, slot, company, subscriptionId) = await SceneAsync();
        var early = await api.BookAsync(company, subscriptionId, slot.Id);
        var late = await api.BookAsync(company, subscriptionId, slot.Id);
        var start = slot.Start.AddHours(3);
        (await RescheduleAsync(club.Client, slot.Id, start)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var clocked = api.WithClock(new FakeClock(slot.Start.AddHours(1)));

        // Past the old start, before the new one.
        var cancelled = await clocked.ClientFor(company).PostAsync($"/v1/bookings/{early.Id}/cancel", null);
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        await (await clocked.ClientFor(club).SendAsync(Reschedule(slot.Id, slot.Start, slot.End))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_in_past");

        clocked.Clock.Set(start);
        await (await clocked.ClientFor(company).PostAsync($"/v1/bookings/{late.Id}/cancel", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_started");
        await (await clocked.ClientFor(club).SendAsync(Reschedule(slot.Id, start.AddHours(1), start.AddHours(2)))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_started");
    }
}
