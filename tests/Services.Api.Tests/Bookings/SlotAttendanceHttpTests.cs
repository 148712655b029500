using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.Api.Usage;

namespace Services.Api.Tests.Bookings;

/// <summary>POST /v1/slots/{slotId}/attendance: a slot's list of bookings recorded in one call, all or nothing.</summary>
public sealed class SlotAttendanceHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private sealed record Scene(Actor Club, Actor Provider, Actor Company, string SubscriptionId, string SlotId, IReadOnlyList<BookingResponse> Seated, BookingResponse Waiting, DateTimeOffset SlotStart);

    /// <summary>A club's offer delivered by a provider; a slot of 3 seats taken by 3 bookings of a member company, a fourth waiting.</summary>
    private async Task<Scene> SceneAsync()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var provider = await api.RegisterAsync(OrganizationKind.Provider);
        var offer = await api.PublishOfferAsync(club, providerIds: [provider.Id]);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: 3);
        var seated = new List<BookingResponse>();
        for (var i = 0; i < 3; i++) seated.Add(await api.BookAsync(company, subscription.Id, slot.Id));
        var waiting = await api.BookAsync(company, subscription.Id, slot.Id);
        waiting.Status.ShouldBe(BookingStatus.Waitlisted);
        return new Scene(club, provider, company, subscription.Id, slot.Id, seated, waiting, slot.Start);
    }

    private static RecordSlotAttendanceRequest Records(params (string BookingId, AttendanceOutcome Outcome)[] records) =>
        new([.. records.Select(r => new SlotAttendanceRecord(r.BookingId, r.Outcome))]);

    private static Task<HttpResponseMessage> RecordAsync(HttpClient client, string slotId, object body) =>
        client.PostAsJsonAsync($"/v1/slots/{slotId}/attendance", body, ApiFixture.JsonOptions);

    [Fact]
    public async Task The_provider_records_a_slots_bookings_in_one_call_and_everyone_sees_who_recorded_them_and_when()
    {
        var scene = await SceneAsync();
        var recordedAt = scene.SlotStart.AddMinutes(40);
        await using var later = api.WithClock(new FakeClock(recordedAt));
        var request = Records((scene.Seated[2].Id, AttendanceOutcome.Attended), (scene.Seated[0].Id, AttendanceOutcome.NoShow), (scene.Seated[1].Id, AttendanceOutcome.Attended));

        var recorded = await RecordAsync(later.ClientFor(scene.Provider), scene.SlotId, request);

        recorded.StatusCode.ShouldBe(HttpStatusCode.OK, await recorded.Content.ReadAsStringAsync());
        recorded.Headers.Contains("Services-Position").ShouldBeTrue();
        var answered = (await recorded.Content.ReadFromJsonAsync<RecordedSlotAttendanceResponse>(ApiFixture.JsonOptions))!.Bookings;
        answered.Select(b => b.Id).ShouldBe([scene.Seated[2].Id, scene.Seated[0].Id, scene.Seated[1].Id]);
        answered.Select(b => b.Attendance).ShouldBe([AttendanceOutcome.Attended, AttendanceOutcome.NoShow, AttendanceOutcome.Attended]);
        answered.ShouldAllBe(b => b.AttendanceRecordedBy == scene.Provider.Id && b.AttendanceRecordedAt == recordedAt && b.CompanyName != null);

        var read = await api.GetBookingAsync(scene.Company, scene.Seated[0].Id);
        read.ShouldSatisfyAllConditions(
            b => b.Attendance.ShouldBe(AttendanceOutcome.NoShow),
            b => b.AttendanceRecordedBy.ShouldBe(scene.Provider.Id),
            b => b.AttendanceRecordedAt.ShouldBe(recordedAt));
        (await api.GetBookingAsync(scene.Club, scene.Waiting.Id))
            .ShouldSatisfyAllConditions(b => b.AttendanceRecordedBy.ShouldBeNull(), b => b.AttendanceRecordedAt.ShouldBeNull());
        await api.CaughtUpAsync(CatalogReadModels.BookingListShard);
        var listed = (await scene.Club.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}")).Data.ToDictionary(b => b.Id);
        scene.Seated.ShouldAllBe(b => listed[b.Id].AttendanceRecordedBy == scene.Provider.Id && listed[b.Id].AttendanceRecordedAt == recordedAt);
        listed[scene.Seated[0].Id].Attendance.ShouldBe(AttendanceOutcome.NoShow);
        listed[scene.Waiting.Id].ShouldSatisfyAllConditions(b => b.AttendanceRecordedBy.ShouldBeNull(), b => b.AttendanceRecordedAt.ShouldBeNull());
        await api.CaughtUpAsync(InsightsProjection.ShardName);
        var month = scene.SlotStart.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var statement = (await scene.Company.Client.GetFromJsonAsync<UsageStatementResponse>($"/v1/companies/{scene.Company.Id}/usage?month={month}", ApiFixture.JsonOptions))!;
        statement.Totals.ShouldSatisfyAllConditions(t => t.AttendedUnits.ShouldBe(2), t => t.NoShowUnits.ShouldBe(1));

        // The same list again changes nothing, whoever sends it.
        later.Clock.Advance(TimeSpan.FromHours(1));
        var again = await RecordAsync(later.ClientFor(scene.Club), scene.SlotId, request);
        again.StatusCode.ShouldBe(HttpStatusCode.OK, await again.Content.ReadAsStringAsync());
        (await api.GetBookingAsync(scene.Company, scene.Seated[0].Id)).ShouldSatisfyAllConditions(
            b => b.AttendanceRecordedBy.ShouldBe(scene.Provider.Id),
            b => b.AttendanceRecordedAt.ShouldBe(recordedAt));
    }

    [Fact]
    public async Task A_correction_by_the_club_shows_the_club_and_its_instant()
    {
        var scene = await SceneAsync();
        await using var later = api.WithClock(new FakeClock(scene.SlotStart.AddMinutes(40)));
        (await RecordAsync(later.ClientFor(scene.Provider), scene.SlotId, Records((scene.Seated[0].Id, AttendanceOutcome.NoShow)))).StatusCode.ShouldBe(HttpStatusCode.OK);
        later.Clock.Advance(TimeSpan.FromDays(2));

        var corrected = await later.ClientFor(scene.Club).PostAsJsonAsync($"/v1/bookings/{scene.Seated[0].Id}/attendance", new RecordAttendanceRequest(AttendanceOutcome.Attended), ApiFixture.JsonOptions);

        corrected.StatusCode.ShouldBe(HttpStatusCode.OK, await corrected.Content.ReadAsStringAsync());
        (await corrected.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.ShouldSatisfyAllConditions(
            b => b.AttendanceRecordedBy.ShouldBe(scene.Club.Id),
            b => b.AttendanceRecordedAt.ShouldBe(later.Clock.GetUtcNow()));
    }

    [Fact]
    public async Task One_record_refused_records_nothing_and_the_problem_names_it()
    {
        var scene = await SceneAsync();
        var other = await api.ScheduleSlotAsync(scene.Club, (await api.GetBookingAsync(scene.Club, scene.Seated[0].Id)).OfferId, scene.SlotStart.AddHours(3));
        var elsewhere = await api.BookAsync(scene.Company, scene.SubscriptionId, other.Id);
        var provider = scene.Provider.Client;

        var early = await RecordAsync(provider, scene.SlotId, Records((scene.Seated[0].Id, AttendanceOutcome.Attended)));
        (await early.ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_not_started")).GetProperty("record").GetString().ShouldBe("records[0]");

        await using var later = api.WithClock(new FakeClock(scene.SlotStart.AddMinutes(40)));
        var waiting = await RecordAsync(later.ClientFor(scene.Provider), scene.SlotId,
            Records((scene.Seated[0].Id, AttendanceOutcome.Attended), (scene.Seated[1].Id, AttendanceOutcome.Attended), (scene.Waiting.Id, AttendanceOutcome.NoShow)));
        var refused = await waiting.ShouldBeProblemAsync(HttpStatusCode.Conflict, "booking_not_confirmed");
        refused.GetProperty("record").GetString().ShouldBe("records[2]");
        refused.GetProperty("bookingId").GetString().ShouldBe(scene.Waiting.Id);

        var another = await RecordAsync(later.ClientFor(scene.Provider), scene.SlotId,
            Records((scene.Seated[0].Id, AttendanceOutcome.Attended), (elsewhere.Id, AttendanceOutcome.Attended)));
        var notOfSlot = await another.ShouldBeProblemAsync(HttpStatusCode.Conflict, "booking_not_in_slot");
        notOfSlot.GetProperty("record").GetString().ShouldBe("records[1]");
        notOfSlot.GetProperty("bookingId").GetString().ShouldBe(elsewhere.Id);

        foreach (var booking in scene.Seated.Append(elsewhere))
            (await api.GetBookingAsync(scene.Club, booking.Id)).ShouldSatisfyAllConditions(b => b.Attendance.ShouldBeNull(), b => b.AttendanceRecordedBy.ShouldBeNull());
    }

    [Fact]
    public async Task A_booking_given_twice_or_a_malformed_list_is_answered_400_naming_it()
    {
        var scene = await SceneAsync();
        var client = scene.Club.Client;

        var twice = await RecordAsync(client, scene.SlotId, Records((scene.Seated[0].Id, AttendanceOutcome.Attended), (scene.Seated[1].Id, AttendanceOutcome.Attended), (scene.Seated[0].Id, AttendanceOutcome.NoShow)));
        (await twice.ShouldBeInvalidAsync("records[2]")).GetProperty("errors").GetProperty("records[2]")[0].GetString().ShouldBe("The same booking as records[0]: record each booking once.");
        await (await RecordAsync(client, scene.SlotId, Records())).ShouldBeInvalidAsync("records");
        await (await RecordAsync(client, scene.SlotId, new RecordSlotAttendanceRequest([.. Enumerable.Range(0, 201).Select(_ => new SlotAttendanceRecord(scene.Seated[0].Id, AttendanceOutcome.Attended))])))
            .ShouldBeInvalidAsync("records");
        await (await RecordAsync(client, scene.SlotId, Records(("booking-1", AttendanceOutcome.Attended)))).ShouldBeInvalidAsync("records[0].bookingId");
        await (await client.PostAsync($"/v1/slots/{scene.SlotId}/attendance", new StringContent($$"""{"records":[{"bookingId":"{{scene.Seated[0].Id}}","outcome":"late"}]}""", Encoding.UTF8, "application/json")))
            .ShouldBeInvalidAsync("records[0].outcome");
    }

    [Fact]
    public async Task Only_those_who_deliver_the_slots_offer_record_its_attendance()
    {
        var scene = await SceneAsync();
        var request = Records((scene.Seated[0].Id, AttendanceOutcome.Attended));
        var otherProvider = await api.RegisterAsync(OrganizationKind.Provider);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);

        await (await RecordAsync(otherProvider.Client, scene.SlotId, request)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await RecordAsync(otherClub.Client, scene.SlotId, request)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await RecordAsync(scene.Company.Client, scene.SlotId, request)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await RecordAsync(scene.Provider.Client, "slt_aaaaaaaaaaaaaaaaaaaaaaaa", request)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await using var later = api.WithClock(new FakeClock(scene.SlotStart.AddMinutes(40)));
        (await RecordAsync(later.Operator(), scene.SlotId, request)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.GetBookingAsync(scene.Club, scene.Seated[0].Id)).AttendanceRecordedBy.ShouldBe("operator");
    }
}
