using System.Net;
using System.Net.Http.Json;
using System.Text;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Subscriptions;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Bookings;

public sealed class BookingsHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private sealed record Scene(Actor Club, Actor Provider, string OfferId, Actor Company, string SubscriptionId, string SlotId);

    /// <summary>A club's offer delivered by a provider, one member company subscribed to it, and one slot.</summary>
    private async Task<Scene> SceneAsync(int capacity = 10, int monthlyQuota = 20, DateTimeOffset? start = null)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var provider = await api.RegisterAsync(OrganizationKind.Provider);
        var offer = await api.PublishOfferAsync(club, providerIds: [provider.Id]);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, start, capacity);
        return new Scene(club, provider, offer.Id, company, subscription.Id, slot.Id);
    }

    /// <summary>09:00 UTC on the fifth day of the month <paramref name="monthsAhead"/> months from now: the same date in Paris, always in the future.</summary>
    private static DateTimeOffset InMonth(int monthsAhead)
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, 5, 9, 0, 0, TimeSpan.Zero).AddMonths(monthsAhead);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null) request.Content = JsonContent.Create(body, options: ApiFixture.JsonOptions);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.SendAsync(request);
    }

    private static RecordAttendanceRequest Attended => new(AttendanceOutcome.Attended);

    [Fact]
    public async Task A_company_books_free_seats_and_gets_a_confirmed_booking_with_an_etag()
    {
        var scene = await SceneAsync();

        var booked = await scene.Company.PostBookingAsync(scene.SubscriptionId, scene.SlotId, quantity: 2, beneficiaryRef: "hr:4411");

        booked.StatusCode.ShouldBe(HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        booked.Headers.ETag!.Tag.ShouldBe("\"2\"");
        booked.Headers.Contains("Services-Position").ShouldBeTrue();
        var body = (await booked.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
        booked.Headers.Location!.ToString().ShouldBe($"/v1/bookings/{body.Id}");
        body.Id.ShouldStartWith("bkg_");
        body.Status.ShouldBe(BookingStatus.Confirmed);
        body.WaitlistPosition.ShouldBeNull();
        body.Quantity.ShouldBe(2);
        body.BeneficiaryRef.ShouldBe("hr:4411");
        body.CompanyId.ShouldBe(scene.Company.Id);
        body.OfferId.ShouldBe(scene.OfferId);
        body.SlotId.ShouldBe(scene.SlotId);
        body.Attendance.ShouldBeNull();

        var read = await scene.Company.Client.GetAsync($"/v1/bookings/{body.Id}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.ShouldBe("\"2\"");
        // As answered, but for the company's name, which bookSeat's answer does without.
        body.CompanyName.ShouldBeNull();
        var readBody = (await read.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
        readBody.CompanyName.ShouldStartWith("Company ");
        readBody.ShouldBeEquivalentTo(body with { CompanyName = readBody.CompanyName });
        var slot = await api.GetSlotAsync(scene.Company, scene.SlotId);
        slot.Reserved.ShouldBe(2);
        slot.Remaining.ShouldBe(8);
        var subscription = await api.GetSubscriptionAsync(scene.Company, scene.SubscriptionId);
        subscription.Usage.Single(u => u.Month == body.SlotStart.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture)).UnitsUsed.ShouldBe(2);
    }

    [Fact]
    public async Task A_full_slot_is_not_an_error_the_booking_is_waitlisted_with_its_position()
    {
        var scene = await SceneAsync(capacity: 1);
        (await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId)).Status.ShouldBe(BookingStatus.Confirmed);

        var first = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var second = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);

        first.Status.ShouldBe(BookingStatus.Waitlisted);
        first.WaitlistPosition.ShouldBe(1);
        second.WaitlistPosition.ShouldBe(2);
        (await api.GetBookingAsync(scene.Company, second.Id)).WaitlistPosition.ShouldBe(2);
        (await api.GetSlotAsync(scene.Club, scene.SlotId)).WaitlistLength.ShouldBe(2);
    }

    [Fact]
    public async Task A_booking_that_would_rather_not_wait_is_refused_on_a_full_slot_and_nothing_is_booked()
    {
        var scene = await SceneAsync(capacity: 2);
        (await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId)).Status.ShouldBe(BookingStatus.Confirmed);
        var body = new { subscriptionId = scene.SubscriptionId, slotId = scene.SlotId, quantity = 2, beneficiaryRef = "hr:7", whenFull = "refuse" };

        var refused = await PostAsync(scene.Company.Client, "/v1/bookings", body);

        var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_full");
        problem.GetProperty("remaining").GetInt32().ShouldBe(1);
        var slot = await api.GetSlotAsync(scene.Club, scene.SlotId);
        (slot.Reserved, slot.WaitlistLength).ShouldBe((1, 0));
        (await PostAsync(scene.Company.Client, "/v1/bookings", body with { quantity = 1 })).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_booking_is_seen_by_its_company_the_offers_club_and_providers_and_the_operator_only()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var otherCompany = await api.RegisterMemberAsync(scene.Club);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);
        var otherProvider = await api.RegisterAsync(OrganizationKind.Provider);

        (await api.GetBookingAsync(scene.Club, booking.Id)).Id.ShouldBe(booking.Id);
        (await api.GetBookingAsync(scene.Provider, booking.Id)).Id.ShouldBe(booking.Id);
        (await api.Operator.GetAsync($"/v1/bookings/{booking.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var stranger in new[] { otherCompany, otherClub, otherProvider })
            await (await stranger.Client.GetAsync($"/v1/bookings/{booking.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await scene.Company.Client.GetAsync("/v1/bookings/bkg_aaaaaaaaaaaaaaaaaaaaaaaa")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("""{"slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":1,"beneficiaryRef":"e1"}""", "subscriptionId")]
    [InlineData("""{"subscriptionId":"sub_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":1,"beneficiaryRef":"e1"}""", "slotId")]
    [InlineData("""{"subscriptionId":"sub_aaaaaaaaaaaaaaaaaaaaaaaa","slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":1}""", "beneficiaryRef")]
    [InlineData("""{"subscriptionId":"sub_aaaaaaaaaaaaaaaaaaaaaaaa","slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":0,"beneficiaryRef":"e1"}""", "quantity")]
    [InlineData("""{"subscriptionId":"sub_aaaaaaaaaaaaaaaaaaaaaaaa","slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":51,"beneficiaryRef":"e1"}""", "quantity")]
    [InlineData("""{"subscriptionId":"sub_aaaaaaaaaaaaaaaaaaaaaaaa","slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":"one","beneficiaryRef":"e1"}""", "quantity")]
    [InlineData("""{"subscriptionId":"sub_aaaaaaaaaaaaaaaaaaaaaaaa","slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":1,"beneficiaryRef":"e1","name":"Jean Dupont"}""", "name")]
    [InlineData("""{"subscriptionId":"sub_aaaaaaaaaaaaaaaaaaaaaaaa","slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":1,"beneficiaryRef":"jean.dupont@example.com"}""", "beneficiaryRef")]
    [InlineData("""{"subscriptionId":"sub_aaaaaaaaaaaaaaaaaaaaaaaa","slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":1,"beneficiaryRef":"Jean Dupont"}""", "beneficiaryRef")]
    [InlineData("""{"subscriptionId":"sub_aaaaaaaaaaaaaaaaaaaaaaaa","slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":1,"beneficiaryRef":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", "beneficiaryRef")]
    [InlineData("""{"subscriptionId":"off_aaaaaaaaaaaaaaaaaaaaaaaa","slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":1,"beneficiaryRef":"e1"}""", "subscriptionId")]
    [InlineData("""{"subscriptionId":"sub_aaaaaaaaaaaaaaaaaaaaaaaa","slotId":"slt_aaaaaaaaaaaaaaaaaaaaaaaa","quantity":1,"beneficiaryRef":".."}""", "beneficiaryRef")]
    public async Task An_invalid_booking_request_is_answered_400_naming_the_field(string json, string field)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var attempt = await company.Client.PostAsync("/v1/bookings", Json(json));

        await attempt.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task Booking_endpoints_need_a_key()
    {
        var anonymous = api.Anonymous();
        (await anonymous.PostAsJsonAsync("/v1/bookings", new BookSeatRequest("sub_aaaaaaaaaaaaaaaaaaaaaaaa", "slt_aaaaaaaaaaaaaaaaaaaaaaaa", 1, "e1"), ApiFixture.JsonOptions))
            .StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/v1/bookings/bkg_aaaaaaaaaaaaaaaaaaaaaaaa")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync("/v1/bookings/bkg_aaaaaaaaaaaaaaaaaaaaaaaa/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsJsonAsync("/v1/bookings/bkg_aaaaaaaaaaaaaaaaaaaaaaaa/attendance", Attended, ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Only_companies_book_only_companies_and_clubs_cancel_only_clubs_and_providers_record_attendance()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);

        var clubBooking = await (await scene.Club.Client.PostAsJsonAsync("/v1/bookings", new BookSeatRequest(scene.SubscriptionId, scene.SlotId, 1, "e1"), ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        clubBooking.GetProperty("detail").GetString().ShouldEndWith("keys of these kinds only: company, operator.");
        await (await scene.Provider.Client.PostAsync($"/v1/bookings/{booking.Id}/cancel", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await scene.Company.Client.PostAsJsonAsync($"/v1/bookings/{booking.Id}/attendance", Attended, ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Booking_on_another_companys_subscription_is_not_found()
    {
        var scene = await SceneAsync();
        var otherMember = await api.RegisterMemberAsync(scene.Club);

        var attempt = await otherMember.PostBookingAsync(scene.SubscriptionId, scene.SlotId);

        (await attempt.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found")).GetProperty("detail").GetString()!.ShouldContain("subscription");
    }

    [Fact]
    public async Task Booking_an_unknown_slot_or_subscription_is_not_found_naming_which()
    {
        var scene = await SceneAsync();

        var unknownSlot = await scene.Company.PostBookingAsync(scene.SubscriptionId, "slt_aaaaaaaaaaaaaaaaaaaaaaaa");
        var unknownSubscription = await scene.Company.PostBookingAsync("sub_aaaaaaaaaaaaaaaaaaaaaaaa", scene.SlotId);

        (await unknownSlot.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found")).GetProperty("detail").GetString()!.ShouldContain("slot");
        (await unknownSubscription.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found")).GetProperty("detail").GetString()!.ShouldContain("subscription");
    }

    [Fact]
    public async Task The_operator_books_on_a_companys_subscription_for_that_company()
    {
        var scene = await SceneAsync();

        var booked = await api.Operator.PostAsJsonAsync("/v1/bookings", new BookSeatRequest(scene.SubscriptionId, scene.SlotId, 1, "e1"), ApiFixture.JsonOptions);

        booked.StatusCode.ShouldBe(HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        (await booked.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.CompanyId.ShouldBe(scene.Company.Id);
    }

    [Fact]
    public async Task A_subscription_books_only_slots_of_its_own_offer()
    {
        var scene = await SceneAsync();
        var otherOffer = await api.PublishOfferAsync(scene.Club);
        var otherSlot = await api.ScheduleSlotAsync(scene.Club, otherOffer.Id);

        var attempt = await scene.Company.PostBookingAsync(scene.SubscriptionId, otherSlot.Id);

        await attempt.ShouldBeProblemAsync(HttpStatusCode.Conflict, "subscription_offer_mismatch");
    }

    [Fact]
    public async Task No_booking_on_a_cancelled_slot_or_a_suspended_offer()
    {
        var scene = await SceneAsync();
        var secondSlot = await api.ScheduleSlotAsync(scene.Club, scene.OfferId, OffersAndSlots.InDays(4));
        await api.CancelSlotAsync(scene.Club, secondSlot.Id);

        await (await scene.Company.PostBookingAsync(scene.SubscriptionId, secondSlot.Id)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_cancelled");

        await api.SuspendOfferAsync(scene.Club, scene.OfferId);
        await (await scene.Company.PostBookingAsync(scene.SubscriptionId, scene.SlotId)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_suspended");
    }

    [Fact]
    public async Task A_subscription_books_nothing_before_it_starts()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id, startsOn: DateOnly.FromDateTime(InMonth(2).UtcDateTime));
        var slot = await api.ScheduleSlotAsync(club, offer.Id, InMonth(1));

        var attempt = await company.PostBookingAsync(subscription.Id, slot.Id);

        await attempt.ShouldBeProblemAsync(HttpStatusCode.Conflict, "subscription_not_started");
    }

    [Fact]
    public async Task A_cancelled_subscription_books_nothing_after_its_last_day()
    {
        var scene = await SceneAsync(start: InMonth(2));
        (await api.Operator.PostAsync($"/v1/subscriptions/{scene.SubscriptionId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var attempt = await scene.Company.PostBookingAsync(scene.SubscriptionId, scene.SlotId);

        await attempt.ShouldBeProblemAsync(HttpStatusCode.Conflict, "subscription_ended");
    }

    [Fact]
    public async Task A_booking_larger_than_the_whole_slot_is_refused_and_takes_no_units()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: 2);

        var tooLarge = await company.PostBookingAsync(subscription.Id, slot.Id, quantity: 3);

        (await tooLarge.ShouldBeProblemAsync(HttpStatusCode.Conflict, "quantity_exceeds_capacity")).GetProperty("detail").GetString()!.ShouldContain("holds 2 in all");
        (await api.GetSubscriptionAsync(company, subscription.Id)).Usage.Sum(u => u.UnitsUsed).ShouldBe(0);
    }

    [Fact]
    public async Task Bookings_beyond_the_monthly_quota_are_refused_counting_waitlisted_units_of_the_slots_month_only()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota: 3);
        var firstMonthSlot = await api.ScheduleSlotAsync(club, offer.Id, InMonth(1), capacity: 2);
        var secondMonthSlot = await api.ScheduleSlotAsync(club, offer.Id, InMonth(2), capacity: 5);
        var firstMonth = InMonth(1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var secondMonth = InMonth(2).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

        (await api.BookAsync(company, subscription.Id, firstMonthSlot.Id, quantity: 2)).Status.ShouldBe(BookingStatus.Confirmed);
        var waiting = await api.BookAsync(company, subscription.Id, firstMonthSlot.Id, quantity: 1);
        waiting.Status.ShouldBe(BookingStatus.Waitlisted);

        var beyond = await company.PostBookingAsync(subscription.Id, firstMonthSlot.Id, quantity: 1);
        var refused = await beyond.ShouldBeProblemAsync(HttpStatusCode.Conflict, "quota_exceeded");
        (refused.GetProperty("month").GetString(), refused.GetProperty("unitsUsed").GetInt32(), refused.GetProperty("monthlyQuota").GetInt32(), refused.GetProperty("quantity").GetInt32())
            .ShouldBe((firstMonth, 3, 3, 1));
        (await api.BookAsync(company, subscription.Id, secondMonthSlot.Id, quantity: 3)).Status.ShouldBe(BookingStatus.Confirmed);
        await (await company.PostBookingAsync(subscription.Id, secondMonthSlot.Id, quantity: 1)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "quota_exceeded");

        var usage = (await api.GetSubscriptionAsync(company, subscription.Id)).Usage.ToDictionary(u => u.Month);
        usage[firstMonth].UnitsUsed.ShouldBe(3);
        usage[firstMonth].UnitsRemaining.ShouldBe(0);
        usage[secondMonth].UnitsUsed.ShouldBe(3);

        await api.CancelBookingAsync(company, waiting.Id);
        (await api.GetSubscriptionAsync(company, subscription.Id)).Usage.Single(u => u.Month == firstMonth).UnitsUsed.ShouldBe(2);
        (await api.BookAsync(company, subscription.Id, firstMonthSlot.Id, quantity: 1)).Status.ShouldBe(BookingStatus.Waitlisted);
    }

    [Fact]
    public async Task A_beneficiary_is_booked_on_a_slot_once_while_the_booking_lives_and_the_refusal_names_it()
    {
        var scene = await SceneAsync();
        var first = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId, beneficiaryRef: "hr-7");

        var again = await scene.Company.PostBookingAsync(scene.SubscriptionId, scene.SlotId, beneficiaryRef: "hr-7");

        (await again.ShouldBeProblemAsync(HttpStatusCode.Conflict, "beneficiary_already_booked")).GetProperty("existingBookingId").GetString().ShouldBe(first.Id);
        (await api.GetSubscriptionAsync(scene.Company, scene.SubscriptionId)).Usage.Sum(u => u.UnitsUsed).ShouldBe(1);
        var otherCompany = await api.RegisterMemberAsync(scene.Club);
        var otherSubscription = await api.SubscribeAsync(otherCompany, scene.OfferId);
        (await api.BookAsync(otherCompany, otherSubscription.Id, scene.SlotId, beneficiaryRef: "hr-7")).Status.ShouldBe(BookingStatus.Confirmed);
        await api.CancelBookingAsync(scene.Company, first.Id);
        (await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId, beneficiaryRef: "hr-7")).Status.ShouldBe(BookingStatus.Confirmed);
    }

    [Fact]
    public async Task Cancelling_a_confirmed_booking_frees_its_seats_for_the_first_waitlisted_booking()
    {
        var scene = await SceneAsync(capacity: 1);
        var confirmed = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var waiting = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);

        var cancelled = await scene.Company.Client.PostAsync($"/v1/bookings/{confirmed.Id}/cancel", null);

        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        cancelled.Headers.ETag!.Tag.ShouldBe("\"3\"");
        var body = (await cancelled.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
        body.Status.ShouldBe(BookingStatus.Cancelled);
        body.CancelReason.ShouldBe(CancellationReason.OnRequest);
        var listed = await scene.Company.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}&minPosition={cancelled.Headers.GetValues("Services-Position").Single()}");
        listed.Data.Single(b => b.Id == confirmed.Id).CancelReason.ShouldBe(CancellationReason.OnRequest);
        var promoted = await api.GetBookingAsync(scene.Company, waiting.Id);
        promoted.Status.ShouldBe(BookingStatus.Confirmed);
        promoted.CancelReason.ShouldBeNull();
        promoted.WaitlistPosition.ShouldBeNull();
        var slot = await api.GetSlotAsync(scene.Club, scene.SlotId);
        slot.Reserved.ShouldBe(1);
        slot.WaitlistLength.ShouldBe(0);
    }

    /// <summary>Two member companies of a club's offer (the first with a quota of 4); a slot of 2 seats the other took, and a roomier one in the same month.</summary>
    private sealed record QuotaScene(Actor Club, Actor Company, string SubscriptionId, Actor Other, string OtherSubscriptionId, string FullSlotId, string RoomySlotId, BookingResponse Taken)
    {
        public async Task LowerQuotaAsync(int monthlyQuota) =>
            (await Company.Client.PatchAsJsonAsync($"/v1/subscriptions/{SubscriptionId}", new ChangeQuotaRequest(monthlyQuota), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task<QuotaScene> QuotaSceneAsync()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var (company, other) = (await api.RegisterMemberAsync(club), await api.RegisterMemberAsync(club));
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota: 4);
        var otherSubscription = await api.SubscribeAsync(other, offer.Id);
        var full = await api.ScheduleSlotAsync(club, offer.Id, InMonth(1), capacity: 2);
        var roomy = await api.ScheduleSlotAsync(club, offer.Id, InMonth(1).AddDays(1), capacity: 5);
        var taken = await api.BookAsync(other, otherSubscription.Id, full.Id, quantity: 2);
        return new QuotaScene(club, company, subscription.Id, other, otherSubscription.Id, full.Id, roomy.Id, taken);
    }

    [Fact]
    public async Task Freed_seats_pass_over_a_waiting_booking_whose_company_lowered_its_quota_below_its_counted_units()
    {
        var scene = await QuotaSceneAsync();
        var waiting = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.FullSlotId, quantity: 2);
        var elsewhere = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.RoomySlotId, quantity: 2);
        var behind = await api.BookAsync(scene.Other, scene.OtherSubscriptionId, scene.FullSlotId, quantity: 1);
        await scene.LowerQuotaAsync(2);

        await api.CancelBookingAsync(scene.Other, scene.Taken.Id);

        var passedOver = await api.GetBookingAsync(scene.Company, waiting.Id);
        passedOver.Status.ShouldBe(BookingStatus.Waitlisted);
        passedOver.WaitlistPosition.ShouldBe(1);
        (await api.GetBookingAsync(scene.Other, behind.Id)).Status.ShouldBe(BookingStatus.Confirmed);

        // Back within its quota, the company's booking gets the next seats.
        await api.CancelBookingAsync(scene.Company, elsewhere.Id);
        await api.ChangeSlotCapacityAsync(scene.Club, scene.FullSlotId, 3);
        (await api.GetBookingAsync(scene.Company, waiting.Id)).Status.ShouldBe(BookingStatus.Confirmed);
    }

    [Fact]
    public async Task A_waiting_booking_passed_over_for_its_quota_goes_before_the_next_booking_once_its_company_is_back_within_it()
    {
        var scene = await QuotaSceneAsync();
        var waiting = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.FullSlotId, quantity: 1);
        var elsewhere = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.RoomySlotId, quantity: 3);
        await scene.LowerQuotaAsync(3);
        await api.CancelBookingAsync(scene.Other, scene.Taken.Id);
        (await api.GetBookingAsync(scene.Company, waiting.Id)).Status.ShouldBe(BookingStatus.Waitlisted);
        await api.CancelBookingAsync(scene.Company, elsewhere.Id);

        var next = await api.BookAsync(scene.Other, scene.OtherSubscriptionId, scene.FullSlotId, quantity: 2);

        (await api.GetBookingAsync(scene.Company, waiting.Id)).Status.ShouldBe(BookingStatus.Confirmed);
        next.Status.ShouldBe(BookingStatus.Waitlisted);
        next.WaitlistPosition.ShouldBe(1);
    }

    [Fact]
    public async Task A_company_over_its_lowered_quota_that_cancels_on_the_slot_gets_its_own_waiting_booking_promoted()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota: 4);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, InMonth(1), capacity: 2);
        var confirmed = await api.BookAsync(company, subscription.Id, slot.Id, quantity: 2);
        var waiting = await api.BookAsync(company, subscription.Id, slot.Id, quantity: 2);
        (await company.Client.PatchAsJsonAsync($"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(2), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await api.CancelBookingAsync(company, confirmed.Id);

        (await api.GetBookingAsync(company, waiting.Id)).Status.ShouldBe(BookingStatus.Confirmed);
    }

    [Fact]
    public async Task A_cancellation_refuses_a_body_with_fields_it_would_not_keep_and_takes_an_empty_one()
    {
        var scene = await SceneAsync(capacity: 1);
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);

        var withReason = await scene.Company.Client.PostAsync($"/v1/bookings/{booking.Id}/cancel", Json("""{"reason":"sick"}"""));
        var notJson = await scene.Company.Client.PostAsync($"/v1/bookings/{booking.Id}/cancel", Json("sick"));
        var twice = await scene.Company.Client.PostAsync($"/v1/bookings/{booking.Id}/cancel", Json("""{"reason":"a","reason":"b"}"""));
        var wrongMethod = await scene.Company.Client.PutAsync($"/v1/bookings/{booking.Id}/cancel", Json("""{"reason":"sick"}"""));

        (await withReason.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_request")).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
        (await notJson.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_request")).GetProperty("errors").TryGetProperty("body", out _).ShouldBeTrue();
        (await twice.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_request")).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
        wrongMethod.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        (await api.GetBookingAsync(scene.Company, booking.Id)).Status.ShouldBe(BookingStatus.Confirmed);
        var cancelled = await scene.Company.Client.PostAsync($"/v1/bookings/{booking.Id}/cancel", Json("{ }"));
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_offers_club_and_the_operator_cancel_bookings_and_others_do_not_see_them()
    {
        var scene = await SceneAsync();
        var first = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var second = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);
        var otherCompany = await api.RegisterMemberAsync(scene.Club);

        await (await otherClub.Client.PostAsync($"/v1/bookings/{first.Id}/cancel", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherCompany.Client.PostAsync($"/v1/bookings/{first.Id}/cancel", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");

        (await api.CancelBookingAsync(scene.Club, first.Id)).Status.ShouldBe(BookingStatus.Cancelled);
        var byOperator = await api.Operator.PostAsync($"/v1/bookings/{second.Id}/cancel", null);
        byOperator.StatusCode.ShouldBe(HttpStatusCode.OK);

        // The company is told who cancelled its bookings: not itself.
        (await api.GetBookingAsync(scene.Company, first.Id)).CancelReason.ShouldBe(CancellationReason.ClubRequest);
        (await api.GetBookingAsync(scene.Company, second.Id)).CancelReason.ShouldBe(CancellationReason.OperatorRequest);
        var listed = await scene.Company.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}&minPosition={byOperator.Headers.GetValues("Services-Position").Single()}");
        listed.Data.OrderBy(b => b.Id == first.Id ? 0 : 1).Select(b => b.CancelReason).ShouldBe([CancellationReason.ClubRequest, CancellationReason.OperatorRequest]);
    }

    [Fact]
    public async Task A_cancelled_booking_cannot_be_cancelled_again_and_a_stale_if_match_is_refused()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);

        await (await PostAsync(scene.Company.Client, $"/v1/bookings/{booking.Id}/cancel", ifMatch: "\"1\""))
            .ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        (await PostAsync(scene.Company.Client, $"/v1/bookings/{booking.Id}/cancel", ifMatch: "\"2\"")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await scene.Company.Client.PostAsync($"/v1/bookings/{booking.Id}/cancel", null))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "booking_not_cancellable");
        await (await scene.Company.Client.PostAsync("/v1/bookings/bkg_aaaaaaaaaaaaaaaaaaaaaaaa/cancel", null))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Attendance_is_refused_before_the_slot_starts()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);

        var attempt = await scene.Provider.Client.PostAsJsonAsync($"/v1/bookings/{booking.Id}/attendance", Attended, ApiFixture.JsonOptions);

        var problem = await attempt.ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_not_started");
        // Instants in details read as in the API's answers.
        problem.GetProperty("detail").GetString()!.ShouldMatch(@"starts at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z;");
    }

    [Theory]
    [InlineData("""{}""", "outcome")]
    [InlineData("""{"outcome":"late"}""", "outcome")]
    [InlineData("""{"outcome":1}""", "outcome")]
    [InlineData("""{"outcome":"attended, no_show"}""", "outcome")]
    [InlineData("""{"outcome":"no_show,attended"}""", "outcome")]
    [InlineData("""{"outcome":" attended"}""", "outcome")]
    [InlineData("""{"outcome":"Attended"}""", "outcome")]
    [InlineData("""{"outcome":"attended","note":"x"}""", "note")]
    public async Task An_invalid_attendance_is_answered_400_naming_the_field(string json, string field)
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);

        var attempt = await scene.Club.Client.PostAsync($"/v1/bookings/{booking.Id}/attendance", Json(json));

        await attempt.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task A_value_that_is_none_of_a_fields_names_is_answered_with_the_names_it_takes()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);

        var attempt = await scene.Club.Client.PostAsync($"/v1/bookings/{booking.Id}/attendance", Json("""{"outcome":"present"}"""));

        (await attempt.ShouldBeInvalidAsync("outcome")).GetProperty("errors").GetProperty("outcome")[0].GetString().ShouldBe("One of: attended, no_show.");
    }

    [Fact]
    public async Task Attendance_on_another_offers_booking_is_not_found()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var otherProvider = await api.RegisterAsync(OrganizationKind.Provider);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);

        await (await otherProvider.Client.PostAsJsonAsync($"/v1/bookings/{booking.Id}/attendance", Attended, ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherClub.Client.PostAsJsonAsync($"/v1/bookings/{booking.Id}/attendance", Attended, ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Once_the_slot_has_started_its_provider_records_attendance_corrects_it_for_a_while_and_bookings_can_no_longer_change()
    {
        var scene = await SceneAsync(capacity: 1);
        var confirmed = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var waiting = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var slotStart = confirmed.SlotStart;
        await using var later = api.WithClock(new FakeClock(slotStart.AddMinutes(30)));
        var provider = later.ClientFor(scene.Provider);
        var company = later.ClientFor(scene.Company);

        var recorded = await PostAsync(provider, $"/v1/bookings/{confirmed.Id}/attendance", Attended, "\"2\"");

        recorded.StatusCode.ShouldBe(HttpStatusCode.OK, await recorded.Content.ReadAsStringAsync());
        recorded.Headers.ETag!.Tag.ShouldBe("\"3\"");
        (await recorded.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.Attendance.ShouldBe(AttendanceOutcome.Attended);
        (await api.GetBookingAsync(scene.Club, confirmed.Id)).Attendance.ShouldBe(AttendanceOutcome.Attended);
        var corrected = await PostAsync(later.ClientFor(scene.Club), $"/v1/bookings/{confirmed.Id}/attendance", new RecordAttendanceRequest(AttendanceOutcome.NoShow));
        corrected.StatusCode.ShouldBe(HttpStatusCode.OK, await corrected.Content.ReadAsStringAsync());
        corrected.Headers.ETag!.Tag.ShouldBe("\"4\"");
        var again = await PostAsync(provider, $"/v1/bookings/{confirmed.Id}/attendance", new RecordAttendanceRequest(AttendanceOutcome.NoShow));
        again.Headers.ETag!.Tag.ShouldBe("\"4\"");
        (await api.GetBookingAsync(scene.Club, confirmed.Id)).Attendance.ShouldBe(AttendanceOutcome.NoShow);
        await api.CaughtUpAsync(Services.Api.Demand.InsightsProjection.ShardName);
        var month = slotStart.UtcDateTime.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var statement = (await scene.Company.Client.GetFromJsonAsync<Services.Api.Usage.UsageStatementResponse>($"/v1/companies/{scene.Company.Id}/usage?month={month}", ApiFixture.JsonOptions))!;
        statement.Totals.ShouldSatisfyAllConditions(t => t.AttendedUnits.ShouldBe(0), t => t.NoShowUnits.ShouldBe(1));
        later.Clock.Advance(Booking.AttendanceCorrectionWindow);
        await (await PostAsync(provider, $"/v1/bookings/{confirmed.Id}/attendance", Attended)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "attendance_already_recorded");
        await (await PostAsync(provider, $"/v1/bookings/{waiting.Id}/attendance", Attended))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "booking_not_confirmed");
        await (await PostAsync(company, $"/v1/bookings/{waiting.Id}/cancel"))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_started");
        await (await company.PostAsJsonAsync("/v1/bookings", new BookSeatRequest(scene.SubscriptionId, scene.SlotId, 1, "e1"), ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_started");
        var club = later.ClientFor(scene.Club);
        await (await PostAsync(club, $"/v1/slots/{scene.SlotId}/cancel", new Services.Api.Slots.CancelSlotRequest("Driver ill")))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_started");
        await (await club.PatchAsJsonAsync($"/v1/slots/{scene.SlotId}", new Services.Api.Slots.ChangeSlotCapacityRequest(4), ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_started");
    }

    [Fact]
    public async Task The_operator_records_a_no_show_after_the_start_and_a_stale_if_match_is_refused()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        await using var later = api.WithClock(new FakeClock(booking.SlotStart.AddHours(2)));
        var noShow = new RecordAttendanceRequest(AttendanceOutcome.NoShow);

        await (await PostAsync(later.Operator(), $"/v1/bookings/{booking.Id}/attendance", noShow, "\"1\""))
            .ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        var recorded = await PostAsync(later.Operator(), $"/v1/bookings/{booking.Id}/attendance", noShow);

        recorded.StatusCode.ShouldBe(HttpStatusCode.OK, await recorded.Content.ReadAsStringAsync());
        (await recorded.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.Attendance.ShouldBe(AttendanceOutcome.NoShow);
    }
}
