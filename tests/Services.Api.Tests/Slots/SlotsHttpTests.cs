using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Slots;

public sealed class SlotsHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static HttpRequestMessage Send(HttpMethod method, string uri, object body, string ifMatch)
    {
        var request = new HttpRequestMessage(method, uri) { Content = JsonContent.Create(body, body.GetType(), options: ApiFixture.JsonOptions) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue(ifMatch));
        return request;
    }

    private async Task<(Actor Club, string OfferId)> ClubWithOfferAsync()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        return (club, offer.Id);
    }

    /// <summary>A member company subscribed to the offer with a quota of 20 units a month.</summary>
    private async Task<(Actor Company, string SubscriptionId)> SubscriberAsync(Actor club, string offerId)
    {
        var company = await api.RegisterMemberAsync(club);
        var subscribed = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 20), ApiFixture.JsonOptions);
        subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
        return (company, (await subscribed.Content.ReadFromJsonAsync<SubscriptionResponse>(ApiFixture.JsonOptions))!.Id);
    }

    private static async Task<BookingResponse> ReadBookingAsync(Actor company, string bookingId) =>
        (await company.Client.GetFromJsonAsync<BookingResponse>($"/v1/bookings/{bookingId}", ApiFixture.JsonOptions))!;

    [Fact]
    public async Task A_slot_that_has_started_shows_no_room_left()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId, capacity: 4);
        await api.CaughtUpAsync(Services.Api.Catalog.CatalogReadModels.CatalogShard);
        await using var clocked = api.WithClock(new FakeClock(slot.Start.AddTicks(-10)));
        var reader = clocked.ClientFor(club);
        var fromBefore = $"/v1/offers/{offerId}/availability?from={Uri.EscapeDataString(slot.Start.AddHours(-1).UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}";

        (await reader.GetFromJsonAsync<SlotResponse>($"/v1/slots/{slot.Id}", ApiFixture.JsonOptions))!.Remaining.ShouldBe(4);
        (await reader.ListAsync<SlotResponse>(fromBefore)).Data.ShouldHaveSingleItem().Remaining.ShouldBe(4);

        clocked.Clock.Set(slot.Start);

        (await reader.GetFromJsonAsync<SlotResponse>($"/v1/slots/{slot.Id}", ApiFixture.JsonOptions))!.Remaining.ShouldBe(0);
        (await reader.ListAsync<SlotResponse>(fromBefore)).Data.ShouldHaveSingleItem().Remaining.ShouldBe(0);
        (await reader.ListAsync<SlotResponse>($"/v1/offers/{offerId}/availability")).Data.ShouldHaveSingleItem().Remaining.ShouldBe(0, "the default page from now holds the slot starting now");
    }

    [Fact]
    public async Task A_club_schedules_several_slots_at_once_and_anyone_reads_their_availability()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var reader = await api.RegisterAsync(OrganizationKind.Company);
        var start = OffersAndSlots.InDays(3);

        var response = await club.Client.PostAsJsonAsync($"/v1/offers/{offerId}/slots", new ScheduleSlotsRequest(
        [
            new ScheduleSlotItem(start, start.AddHours(1), 4),
            new ScheduleSlotItem(start.AddDays(1), start.AddDays(1).AddHours(2), 6),
        ]), ApiFixture.JsonOptions);

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        response.Headers.Contains("Services-Position").ShouldBeTrue();
        var slots = (await response.Content.ReadFromJsonAsync<ScheduledSlotsResponse>(ApiFixture.JsonOptions))!.Slots;
        slots.Count.ShouldBe(2);
        slots.ShouldAllBe(s => Ids.IsWellFormed(s.Id, Ids.Slot) && s.OfferId == offerId && s.Status == SlotStatus.Scheduled);
        slots[1].Capacity.ShouldBe(6);

        var read = await reader.Client.GetAsync($"/v1/slots/{slots[0].Id}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.ShouldBe("\"1\"");
        var slot = (await read.Content.ReadFromJsonAsync<SlotResponse>(ApiFixture.JsonOptions))!;
        slot.ShouldBe(new SlotResponse(slots[0].Id, offerId, start, start.AddHours(1), 4, 0, 4, 0, SlotStatus.Scheduled, OfferStatus.Active, null));
        var json = await read.Content.ReadAsStringAsync();
        json.ShouldContain("\"status\":\"scheduled\"");
        json.ShouldContain("\"waitlistLength\":0");
    }

    [Fact]
    public async Task A_slot_beyond_the_planning_horizon_is_400_naming_its_start()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var withinReach = DateTimeOffset.UtcNow.AddYears(Slot.MaxYearsAhead).AddDays(-1);
        var beyond = DateTimeOffset.UtcNow.AddYears(Slot.MaxYearsAhead).AddDays(1);

        var response = await club.Client.PostAsJsonAsync($"/v1/offers/{offerId}/slots",
            new ScheduleSlotsRequest([new ScheduleSlotItem(withinReach, withinReach.AddHours(1), 3), new ScheduleSlotItem(beyond, beyond.AddHours(1), 3)]), ApiFixture.JsonOptions);

        var problem = await response.ShouldBeInvalidAsync("slots[1].start");
        problem.GetProperty("errors").TryGetProperty("slots[0].start", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task One_slot_is_answered_with_its_location_and_etag()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var start = OffersAndSlots.InDays(2);

        var response = await club.Client.PostAsJsonAsync($"/v1/offers/{offerId}/slots", new ScheduleSlotsRequest([new ScheduleSlotItem(start, start.AddHours(1), 3)]), ApiFixture.JsonOptions);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        response.Headers.ETag!.Tag.ShouldBe("\"1\"");
        var slot = (await response.Content.ReadFromJsonAsync<ScheduledSlotsResponse>(ApiFixture.JsonOptions))!.Slots.Single();
        response.Headers.Location!.ToString().ShouldBe($"/v1/slots/{slot.Id}");
    }

    [Fact]
    public async Task The_operator_schedules_slots_of_any_clubs_offer()
    {
        var (_, offerId) = await ClubWithOfferAsync();
        var start = OffersAndSlots.InDays(2);

        var response = await api.Operator.PostAsJsonAsync($"/v1/offers/{offerId}/slots", new ScheduleSlotsRequest([new ScheduleSlotItem(start, start.AddHours(1), 3)]), ApiFixture.JsonOptions);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("{\"slots\":[]}", "slots")]
    [InlineData("{\"slots\":[{\"start\":\"2099-01-01T09:00:00Z\",\"end\":\"2099-01-01T10:00:00Z\",\"capacity\":2},{\"start\":\"2099-01-01T09:00:00Z\",\"end\":\"2099-01-01T10:00:00Z\",\"capacity\":0}]}", "slots[1].capacity")]
    [InlineData("{\"slots\":[{\"start\":\"2099-01-01T09:00:00Z\",\"end\":\"2099-01-01T10:00:00Z\",\"capacity\":10001}]}", "slots[0].capacity")]
    [InlineData("{\"slots\":[{\"start\":\"2099-01-01T09:00:00Z\",\"end\":\"2099-01-01T09:00:00Z\",\"capacity\":2}]}", "slots[0].end")]
    [InlineData("{\"slots\":[{\"start\":\"2099-01-01T09:00:00Z\",\"end\":\"2099-01-03T09:00:00Z\",\"capacity\":2}]}", "slots[0].end")]
    [InlineData("{\"slots\":[{\"start\":\"2099-01-01T09:00:00Z\",\"end\":\"2099-01-01T10:00:00Z\",\"capacity\":\"2\"}]}", "slots[0].capacity")]
    [InlineData("{\"slots\":[{\"start\":\"tomorrow\",\"end\":\"2099-01-01T10:00:00Z\",\"capacity\":2}]}", "slots[0].start")]
    [InlineData("{\"slots\":[{\"start\":\"2099-01-01T09:00:00\",\"end\":\"2099-01-01T10:00:00Z\",\"capacity\":2}]}", "slots[0].start")] // no offset: whose 9 o'clock?
    [InlineData("{\"slots\":[{\"start\":\"2099-01-01T09:00:00Z\",\"end\":\"2099-01-01T10:00:00\",\"capacity\":2}]}", "slots[0].end")]
    [InlineData("{\"slots\":[{\"start\":\"2099-01-01T09:00:00Z\",\"end\":\"2099-01-01T10:00:00Z\",\"capacity\":2,\"room\":\"B\"}]}", "slots[0].room")]
    [InlineData("{}", "slots")]
    public async Task Invalid_schedules_are_400_naming_the_field(string json, string field)
    {
        var (club, offerId) = await ClubWithOfferAsync();

        var response = await club.Client.PostAsync($"/v1/offers/{offerId}/slots", Json(json));

        await response.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task More_than_a_hundred_slots_in_one_request_is_400()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var start = OffersAndSlots.InDays(2);
        var slots = Enumerable.Range(0, 101).Select(i => new ScheduleSlotItem(start.AddHours(i), start.AddHours(i + 1), 1)).ToList();

        var response = await club.Client.PostAsJsonAsync($"/v1/offers/{offerId}/slots", new ScheduleSlotsRequest(slots), ApiFixture.JsonOptions);

        await response.ShouldBeInvalidAsync("slots");
    }

    [Fact]
    public async Task A_slot_given_twice_in_one_request_is_400_naming_the_repeat_and_nothing_is_scheduled()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var start = OffersAndSlots.InDays(2);
        var slot = new ScheduleSlotItem(start, start.AddHours(1), 4);

        var response = await club.Client.PostAsJsonAsync($"/v1/offers/{offerId}/slots", new ScheduleSlotsRequest(
            [slot, new ScheduleSlotItem(start, start.AddHours(2), 4), slot]), ApiFixture.JsonOptions);

        var problem = await response.ShouldBeInvalidAsync("slots[2]");
        problem.GetProperty("errors").GetProperty("slots[2]")[0].GetString()!.ShouldContain("slots[0]");
        problem.GetProperty("errors").TryGetProperty("slots[1]", out _).ShouldBeFalse();
        (await api.CountAsync("select count(*) from es_events where event_type = 'slot.scheduled' and data->>'offerId' = $1", offerId)).ShouldBe(0);
    }

    [Fact]
    public async Task A_slot_at_the_same_time_as_one_the_offer_already_has_is_scheduled()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var start = OffersAndSlots.InDays(2);
        var first = await api.ScheduleSlotAsync(club, offerId, start);

        var second = await api.ScheduleSlotAsync(club, offerId, start);

        second.Id.ShouldNotBe(first.Id);
    }

    [Fact]
    public async Task A_slot_in_the_past_refuses_the_whole_request()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var future = OffersAndSlots.InDays(2);
        var past = OffersAndSlots.InDays(-2);

        var response = await club.Client.PostAsJsonAsync($"/v1/offers/{offerId}/slots", new ScheduleSlotsRequest(
            [new ScheduleSlotItem(future, future.AddHours(1), 2), new ScheduleSlotItem(past, past.AddHours(1), 2)]), ApiFixture.JsonOptions);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_in_past");
        problem.GetProperty("detail").GetString().ShouldStartWith("slots[1]:");
    }

    [Fact]
    public async Task A_withdrawn_offer_takes_no_new_slots_but_a_suspended_one_does()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        await api.SuspendOfferAsync(club, offerId);
        await api.ScheduleSlotAsync(club, offerId);
        await api.WithdrawOfferAsync(club, offerId);
        var start = OffersAndSlots.InDays(2);

        var response = await club.Client.PostAsJsonAsync($"/v1/offers/{offerId}/slots", new ScheduleSlotsRequest([new ScheduleSlotItem(start, start.AddHours(1), 2)]), ApiFixture.JsonOptions);

        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_withdrawn");
    }

    [Fact]
    public async Task Only_the_owning_club_schedules_slots()
    {
        var (_, offerId) = await ClubWithOfferAsync();
        var other = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var request = new ScheduleSlotsRequest([new ScheduleSlotItem(OffersAndSlots.InDays(2), OffersAndSlots.InDays(2).AddHours(1), 2)]);

        await (await other.Client.PostAsJsonAsync($"/v1/offers/{offerId}/slots", request, ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await company.Client.PostAsJsonAsync($"/v1/offers/{offerId}/slots", request, ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await other.Client.PostAsJsonAsync($"/v1/offers/{Ids.New(Ids.Offer)}/slots", request, ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Requests_without_a_key_get_401()
    {
        var anonymous = api.Anonymous();
        var slotId = Ids.New(Ids.Slot);

        (await anonymous.GetAsync($"/v1/slots/{slotId}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PatchAsJsonAsync($"/v1/slots/{slotId}", new ChangeSlotCapacityRequest(3), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsJsonAsync($"/v1/slots/{slotId}/cancel", new CancelSlotRequest("x"), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsJsonAsync($"/v1/offers/{Ids.New(Ids.Offer)}/slots", new ScheduleSlotsRequest([]), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_unknown_slot_is_404()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var slotId = Ids.New(Ids.Slot);

        await (await club.Client.GetAsync($"/v1/slots/{slotId}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await club.Client.PatchAsJsonAsync($"/v1/slots/{slotId}", new ChangeSlotCapacityRequest(3), ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await club.Client.PostAsJsonAsync($"/v1/slots/{slotId}/cancel", new CancelSlotRequest("x"), ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task The_owning_club_changes_a_slots_capacity_with_if_match()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId, OffersAndSlots.InDays(3), 4);

        var stale = await club.Client.SendAsync(Send(HttpMethod.Patch, $"/v1/slots/{slot.Id}", new ChangeSlotCapacityRequest(8), "\"2\""));
        await stale.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");

        var changed = await club.Client.SendAsync(Send(HttpMethod.Patch, $"/v1/slots/{slot.Id}", new ChangeSlotCapacityRequest(8), "\"1\""));
        changed.StatusCode.ShouldBe(HttpStatusCode.OK, await changed.Content.ReadAsStringAsync());
        changed.Headers.ETag!.Tag.ShouldBe("\"2\"");
        var body = (await changed.Content.ReadFromJsonAsync<SlotResponse>(ApiFixture.JsonOptions))!;
        body.Capacity.ShouldBe(8);
        body.Remaining.ShouldBe(8);
    }

    [Fact]
    public async Task Setting_the_same_capacity_changes_nothing()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId, OffersAndSlots.InDays(3), 4);

        var unchanged = await club.Client.PatchAsJsonAsync($"/v1/slots/{slot.Id}", new ChangeSlotCapacityRequest(4), ApiFixture.JsonOptions);
        var changed = await club.Client.PatchAsJsonAsync($"/v1/slots/{slot.Id}", new ChangeSlotCapacityRequest(5), ApiFixture.JsonOptions);
        var again = await club.Client.PatchAsJsonAsync($"/v1/slots/{slot.Id}", new ChangeSlotCapacityRequest(5), ApiFixture.JsonOptions);

        unchanged.StatusCode.ShouldBe(HttpStatusCode.OK);
        unchanged.Headers.ETag!.Tag.ShouldBe("\"1\"");
        unchanged.Headers.Contains("Services-Position").ShouldBeTrue();
        again.Headers.ETag!.Tag.ShouldBe("\"2\"");
        again.Headers.GetValues("Services-Position").Single().ShouldBe(changed.Headers.GetValues("Services-Position").Single());
    }

    [Theory]
    [InlineData("{\"capacity\":0}", "capacity")]
    [InlineData("{\"capacity\":10001}", "capacity")]
    [InlineData("{\"capacity\":\"ten\"}", "capacity")]
    [InlineData("{}", "capacity")]
    [InlineData("{\"capacity\":3,\"start\":\"2099-01-01T09:00:00Z\"}", "start")]
    public async Task Invalid_capacity_changes_are_400(string json, string field)
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId);

        var response = await club.Client.PatchAsync($"/v1/slots/{slot.Id}", Json(json));

        await response.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task Only_the_owning_club_changes_or_cancels_a_slot()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId);
        var other = await api.RegisterAsync(OrganizationKind.Club);
        var provider = await api.RegisterAsync(OrganizationKind.Provider);

        (await other.Client.GetAsync($"/v1/slots/{slot.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await other.Client.PatchAsJsonAsync($"/v1/slots/{slot.Id}", new ChangeSlotCapacityRequest(3), ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await other.Client.PostAsJsonAsync($"/v1/slots/{slot.Id}/cancel", new CancelSlotRequest("mine"), ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await provider.Client.PatchAsJsonAsync($"/v1/slots/{slot.Id}", new ChangeSlotCapacityRequest(3), ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await provider.Client.PostAsJsonAsync($"/v1/slots/{slot.Id}/cancel", new CancelSlotRequest("mine"), ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Capacity_cannot_drop_below_the_units_reserved()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId, capacity: 4);
        var (company, subscriptionId) = await SubscriberAsync(club, offerId);
        await api.BookAsync(company, subscriptionId, slot.Id, 3);

        var response = await club.Client.PatchAsJsonAsync($"/v1/slots/{slot.Id}", new ChangeSlotCapacityRequest(2), ApiFixture.JsonOptions);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "capacity_below_reserved");
        (problem.GetProperty("reserved").GetInt32(), problem.GetProperty("capacity").GetInt32()).ShouldBe((3, 2));
    }

    [Fact]
    public async Task More_capacity_promotes_waitlisted_bookings_in_the_same_change()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId, capacity: 2);
        var (company, subscriptionId) = await SubscriberAsync(club, offerId);
        await api.BookAsync(company, subscriptionId, slot.Id, 2);
        var first = await api.BookAsync(company, subscriptionId, slot.Id, 2);
        var second = await api.BookAsync(company, subscriptionId, slot.Id, 1);
        first.Status.ShouldBe(BookingStatus.Waitlisted);
        (await api.GetSlotAsync(company, slot.Id)).WaitlistLength.ShouldBe(2);

        var changed = await api.ChangeSlotCapacityAsync(club, slot.Id, 5);

        changed.ShouldBe(slot with { Capacity = 5, Reserved = 5, Remaining = 0, WaitlistLength = 0 });
        (await ReadBookingAsync(company, first.Id)).Status.ShouldBe(BookingStatus.Confirmed);
        (await ReadBookingAsync(company, second.Id)).Status.ShouldBe(BookingStatus.Confirmed);
        var json = await (await company.Client.GetAsync($"/v1/slots/{slot.Id}")).Content.ReadAsStringAsync();
        json.ShouldNotContain(first.Id);
        json.ShouldNotContain(company.Id);
    }

    [Fact]
    public async Task Cancelling_a_slot_cancels_its_bookings_and_gives_their_units_back()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId, capacity: 2);
        var (company, subscriptionId) = await SubscriberAsync(club, offerId);
        var confirmed = await api.BookAsync(company, subscriptionId, slot.Id, 2);
        var waitlisted = await api.BookAsync(company, subscriptionId, slot.Id, 1);

        var cancelled = await club.Client.SendAsync(Send(HttpMethod.Post, $"/v1/slots/{slot.Id}/cancel", new CancelSlotRequest("Provider ill"), "\"3\""));

        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        cancelled.Headers.ETag!.Tag.ShouldBe("\"4\"");
        var answer = (await cancelled.Content.ReadFromJsonAsync<SlotResponse>(ApiFixture.JsonOptions))!;
        answer.ShouldBe(slot with { Reserved = 0, Remaining = 0, WaitlistLength = 0, Status = SlotStatus.Cancelled, Cancellation = answer.Cancellation });
        (await ReadBookingAsync(company, confirmed.Id)).ShouldSatisfyAllConditions(
            b => b.Status.ShouldBe(BookingStatus.Cancelled), b => b.CancelReason.ShouldBe(CancellationReason.SlotCancelled));
        (await ReadBookingAsync(company, waitlisted.Id)).Status.ShouldBe(BookingStatus.Cancelled);
        var listed = await company.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={slot.Id}&minPosition={cancelled.Headers.GetValues("Services-Position").Single()}");
        listed.Data.Select(b => b.CancelReason).ShouldBe([CancellationReason.SlotCancelled, CancellationReason.SlotCancelled]);
        var subscription = (await company.Client.GetFromJsonAsync<SubscriptionResponse>($"/v1/subscriptions/{subscriptionId}", ApiFixture.JsonOptions))!;
        subscription.Usage.ShouldAllBe(month => month.UnitsUsed == 0);
    }

    [Fact]
    public async Task A_cancelled_slot_and_the_bookings_it_cancelled_show_the_reason_its_club_gave_and_when()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId, capacity: 1);
        var (company, subscriptionId) = await SubscriberAsync(club, offerId);
        var confirmed = await api.BookAsync(company, subscriptionId, slot.Id);
        var waitlisted = await api.BookAsync(company, subscriptionId, slot.Id);
        var onRequest = await api.BookAsync(company, subscriptionId, slot.Id);
        await api.CancelBookingAsync(company, onRequest.Id);
        var before = DateTimeOffset.UtcNow.AddMilliseconds(-1);

        var cancelled = await club.Client.PostAsJsonAsync($"/v1/slots/{slot.Id}/cancel", new CancelSlotRequest(" Driver ill "), ApiFixture.JsonOptions);

        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        var cancellation = (await cancelled.Content.ReadFromJsonAsync<SlotResponse>(ApiFixture.JsonOptions))!.Cancellation.ShouldNotBeNull();
        cancellation.Reason.ShouldBe("Driver ill");
        cancellation.CancelledAt.ShouldBeInRange(before, DateTimeOffset.UtcNow);
        (await api.GetSlotAsync(company, slot.Id)).Cancellation.ShouldBe(cancellation);
        (await ReadBookingAsync(company, confirmed.Id)).SlotCancellation.ShouldBe(cancellation);
        (await ReadBookingAsync(company, waitlisted.Id)).SlotCancellation.ShouldBe(cancellation);
        (await ReadBookingAsync(company, onRequest.Id)).SlotCancellation.ShouldBeNull();
        var listed = await company.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={slot.Id}&minPosition={cancelled.Position()}");
        // Newest requested first.
        listed.Data.Select(b => (b.Id, b.SlotCancellation)).ShouldBe([(onRequest.Id, null), (waitlisted.Id, cancellation), (confirmed.Id, cancellation)]);
    }

    [Fact]
    public async Task A_cancellation_recorded_before_its_instant_was_kept_shows_when_it_was_recorded_on_the_slot_its_bookings_and_the_lists()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId);
        var (company, subscriptionId) = await SubscriberAsync(club, offerId);
        var booking = await api.BookAsync(company, subscriptionId, slot.Id);

        // As a slot was cancelled before SlotCancelled carried its instant (its booking's event after it, as cancelSlot appends them).
        await api.AppendAsync(Slot.StreamId(slot.Id), Slot.StreamType, new SlotCancelled("Snow"));
        var position = await api.AppendAsync(Booking.StreamId(booking.Id), Booking.StreamType, new BookingCancelled(CancellationReason.SlotCancelled));

        var recordedAt = (await api.Service<EventStore.EventStore>().ReadStreamAsync(Slot.StreamId(slot.Id))).Single(e => e.Data is SlotCancelled).Timestamp;
        var cancellation = new SlotCancellation("Snow", recordedAt);
        var shown = await api.GetSlotAsync(company, slot.Id);
        (shown.Status, shown.Cancellation).ShouldBe((SlotStatus.Cancelled, cancellation));
        (await ReadBookingAsync(company, booking.Id)).SlotCancellation.ShouldBe(cancellation);
        var minPosition = Uri.EscapeDataString(position.ToString());
        (await company.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={slot.Id}&minPosition={minPosition}")).Data.ShouldHaveSingleItem().SlotCancellation.ShouldBe(cancellation);
        (await company.Client.ListAsync<SlotResponse>($"/v1/offers/{offerId}/availability?status=cancelled&minPosition={minPosition}")).Data.ShouldHaveSingleItem().Cancellation.ShouldBe(cancellation);
    }

    [Fact]
    public async Task A_cancelled_slot_cannot_be_cancelled_again_or_resized()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId);
        await api.CancelSlotAsync(club, slot.Id);

        await (await club.Client.PostAsJsonAsync($"/v1/slots/{slot.Id}/cancel", new CancelSlotRequest("again"), ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_cancelled");
        await (await club.Client.PatchAsJsonAsync($"/v1/slots/{slot.Id}", new ChangeSlotCapacityRequest(3), ApiFixture.JsonOptions)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_cancelled");
    }

    [Fact]
    public async Task A_cancellation_needs_a_reason_and_a_current_if_match()
    {
        var (club, offerId) = await ClubWithOfferAsync();
        var slot = await api.ScheduleSlotAsync(club, offerId);

        await (await club.Client.PostAsync($"/v1/slots/{slot.Id}/cancel", Json("{}"))).ShouldBeInvalidAsync("reason");
        await (await club.Client.PostAsync($"/v1/slots/{slot.Id}/cancel", Json("{\"reason\":\"  \"}"))).ShouldBeInvalidAsync("reason");
        // An empty reason was given: it is blank, not missing.
        var empty = await (await club.Client.PostAsync($"/v1/slots/{slot.Id}/cancel", Json("{\"reason\":\"\"}"))).ShouldBeInvalidAsync("reason");
        empty.GetProperty("errors").GetProperty("reason")[0].GetString().ShouldBe("This field must not be blank.");
        await (await club.Client.SendAsync(Send(HttpMethod.Post, $"/v1/slots/{slot.Id}/cancel", new CancelSlotRequest("x"), "\"7\""))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
    }
}
