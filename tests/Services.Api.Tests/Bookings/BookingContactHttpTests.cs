using System.Net;
using System.Net.Http.Json;
using System.Text;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Tests.Beneficiaries;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Feed;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;
using static Services.Api.Tests.Beneficiaries.ContactScene;
using BookingList = Services.Api.Catalog.CatalogReadModels;

namespace Services.Api.Tests.Bookings;

public sealed class BookingContactHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string bookingId, ContactDetails contact, string? ifMatch = null, string? idempotencyKey = null) =>
        SendAsync(client, HttpMethod.Put, bookingId, JsonContent.Create(contact, options: ApiFixture.JsonOptions), ifMatch, idempotencyKey);

    private static Task<HttpResponseMessage> RemoveAsync(HttpClient client, string bookingId, string? ifMatch = null) =>
        SendAsync(client, HttpMethod.Delete, bookingId, content: null, ifMatch, idempotencyKey: null);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string bookingId, HttpContent? content, string? ifMatch, string? idempotencyKey)
    {
        using var request = new HttpRequestMessage(method, $"/v1/bookings/{bookingId}/contact") { Content = content };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }

    private static async Task<BookingResponse> ChangedAsync(HttpResponseMessage answer)
    {
        answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        return (await answer.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
    }

    private static async Task<string> ETagAsync(Actor reader, string bookingId)
    {
        var read = await reader.Client.GetAsync($"/v1/bookings/{bookingId}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        return read.Headers.ETag!.Tag;
    }

    private static async Task<IReadOnlyList<EventResponse>> FeedAsync(HttpClient client, string minPosition) =>
        (await client.GetFromJsonAsync<EventPage>($"/v1/events?limit=500&minPosition={minPosition}", ApiFixture.JsonOptions))!.Data;

    [Fact]
    public async Task The_company_corrects_the_details_its_readers_see_the_new_ones_and_the_feed_and_webhooks_withhold_them()
    {
        var scene = await ContactScene.CreateAsync(api);
        var webhook = await scene.Provider.Client.PostAsJsonAsync("/v1/webhooks",
            new CreateWebhookRequest("https://hooks.example.com/provider", ["booking.contact_changed"]), ApiFixture.JsonOptions);
        webhook.StatusCode.ShouldBe(HttpStatusCode.Created, await webhook.Content.ReadAsStringAsync());
        var webhookId = (await webhook.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!.Id;
        var beneficiaryRef = NewRef();
        var booking = (await scene.BookAsync(beneficiaryRef, NewContact())).Booking;
        var corrected = NewContact();
        var etag = await ETagAsync(scene.Company, booking.Id);

        var answer = await PutAsync(scene.Company.Client, booking.Id, corrected, ifMatch: etag);

        var changed = await ChangedAsync(answer);
        changed.ShouldBe(booking with { Contact = BookingContact.Available(corrected), CompanyName = changed.CompanyName });
        changed.CompanyName.ShouldNotBeNull();
        answer.Headers.ETag!.Tag.ShouldNotBe(etag);
        var position = answer.Position();
        var available = BookingContact.Available(corrected);
        foreach (var reader in new[] { scene.Company, scene.Club, scene.Provider })
        {
            (await api.GetBookingAsync(reader, booking.Id)).Contact.ShouldBe(available, reader.Kind.ToString());
            (await reader.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}&minPosition={position}"))
                .Data.Single(b => b.Id == booking.Id).Contact.ShouldBe(available, reader.Kind.ToString());
        }

        // Ciphertext only in the store, withheld in the feed for the booking's audience, nothing for others.
        (await api.EventsContainingAsync(corrected.Phone!)).ShouldBe(0);
        (await api.EventsContainingAsync(corrected.Email!)).ShouldBe(0);
        (await api.CountAsync("select count(*) from es_events where stream_id = $1 and event_type = 'booking.contact_changed' and data->'contact' ? 'ciphertext'",
            Booking.StreamId(booking.Id))).ShouldBe(1);
        foreach (var told in new[] { scene.Company, scene.Club, scene.Provider })
        {
            var change = (await FeedAsync(told.Client, position)).Single(e => e.Type == "booking.contact_changed" && e.Subject.Id == booking.Id);
            change.Data.GetProperty("contact").GetRawText().ShouldBe("""{"status":"withheld"}""");
            change.Data.GetProperty("beneficiaryRef").GetString().ShouldBe(beneficiaryRef);
        }
        foreach (var stranger in new[] { scene.OtherCompany, scene.Partner })
            (await FeedAsync(stranger.Client, position)).ShouldNotContain(e => e.Type == "booking.contact_changed");
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        (await scene.Provider.Client.ListAsync<WebhookDeliveryResponse>($"/v1/webhooks/{webhookId}/deliveries"))
            .Data.ShouldHaveSingleItem().EventType.ShouldBe("booking.contact_changed");
        (await api.CountAsync("select count(*) from webhook_deliveries where strpos(body, 'ciphertext') > 0 or strpos(body, $1) > 0", corrected.Email!)).ShouldBe(0);

        await api.RebuildEqualsLiveAsync(BookingList.BookingListShard, "rm_booking_offers", "rm_bookings");
        await api.RebuildEqualsLiveAsync(FeedRegistration.FeedShard, [.. FeedReading.AudienceLookups("rm_feed"), FeedReading.FeedEntries]);
    }

    [Fact]
    public async Task Removed_details_read_null_everywhere_and_removing_none_changes_nothing()
    {
        var scene = await ContactScene.CreateAsync(api);
        var booking = (await scene.BookAsync(NewRef(), NewContact())).Booking;

        var answer = await RemoveAsync(scene.Company.Client, booking.Id);

        (await ChangedAsync(answer)).Contact.ShouldBeNull();
        var position = answer.Position();
        foreach (var reader in new[] { scene.Company, scene.Club, scene.Provider })
        {
            (await api.GetBookingAsync(reader, booking.Id)).Contact.ShouldBeNull(reader.Kind.ToString());
            (await reader.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}&minPosition={position}"))
                .Data.Single(b => b.Id == booking.Id).Contact.ShouldBeNull(reader.Kind.ToString());
        }
        (await FeedAsync(scene.Club.Client, position)).Single(e => e.Type == "booking.contact_changed").Data.GetProperty("contact").GetRawText().ShouldBe("null");

        var again = await RemoveAsync(scene.Company.Client, booking.Id);
        (await ChangedAsync(again)).Contact.ShouldBeNull();
        again.Headers.ETag!.Tag.ShouldBe(answer.Headers.ETag!.Tag);
        (await api.CountAsync("select count(*) from es_events where stream_id = $1 and event_type = 'booking.contact_changed'", Booking.StreamId(booking.Id))).ShouldBe(1);
        await api.RebuildEqualsLiveAsync(BookingList.BookingListShard, "rm_booking_offers", "rm_bookings");
    }

    [Fact]
    public async Task Only_the_booking_company_changes_the_details_its_readers_are_forbidden_anyone_else_finds_no_booking()
    {
        var scene = await ContactScene.CreateAsync(api);
        var contact = NewContact();
        var booking = (await scene.BookAsync(NewRef(), contact)).Booking;

        foreach (var reader in new[] { scene.Club.Client, scene.Provider.Client, api.Operator })
        {
            await (await PutAsync(reader, booking.Id, NewContact())).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await RemoveAsync(reader, booking.Id)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
        foreach (var stranger in new[] { scene.OtherCompany, scene.Partner })
        {
            await (await PutAsync(stranger.Client, booking.Id, NewContact())).ShouldBeProblemAsync(HttpStatusCode.NotFound);
            await (await RemoveAsync(stranger.Client, booking.Id)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        }
        await (await PutAsync(scene.Company.Client, "bkg_unknown", NewContact())).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        (await api.GetBookingAsync(scene.Company, booking.Id)).Contact.ShouldBe(BookingContact.Available(contact));
        (await api.CountAsync("select count(*) from es_events where stream_id = $1 and event_type = 'booking.contact_changed'", Booking.StreamId(booking.Id))).ShouldBe(0);
    }

    [Fact]
    public async Task Details_change_only_before_the_slot_starts_and_while_the_booking_is_live()
    {
        var scene = await ContactScene.CreateAsync(api);
        var contact = NewContact();
        var booking = (await scene.BookAsync(NewRef(), contact)).Booking;
        var cancelled = await api.CancelBookingAsync(scene.Company, (await scene.BookAsync(NewRef(), NewContact())).Booking.Id);

        await (await PutAsync(scene.Company.Client, cancelled.Id, NewContact())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "booking_ended");
        await (await RemoveAsync(scene.Company.Client, cancelled.Id)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "booking_ended");
        await using var started = api.WithClock(new FakeClock(booking.SlotStart));
        var company = started.ClientFor(scene.Company);
        await (await PutAsync(company, booking.Id, NewContact())).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_started");
        await (await RemoveAsync(company, booking.Id)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "slot_started");

        (await api.GetBookingAsync(scene.Company, booking.Id)).Contact.ShouldBe(BookingContact.Available(contact));
    }

    [Fact]
    public async Task A_stale_If_Match_changes_nothing_and_a_retry_with_the_same_Idempotency_Key_replays_the_answer()
    {
        var scene = await ContactScene.CreateAsync(api);
        var contact = NewContact();
        var booking = (await scene.BookAsync(NewRef(), contact)).Booking;
        var etag = await ETagAsync(scene.Company, booking.Id);
        var key = Guid.NewGuid().ToString();
        var corrected = NewContact();
        var first = await ChangedAsync(await PutAsync(scene.Company.Client, booking.Id, corrected, ifMatch: etag, idempotencyKey: key));

        var replay = await PutAsync(scene.Company.Client, booking.Id, corrected, ifMatch: etag, idempotencyKey: key);
        (await ChangedAsync(replay)).ShouldBe(first);
        replay.Headers.Contains("Idempotent-Replayed").ShouldBeTrue();

        await (await PutAsync(scene.Company.Client, booking.Id, NewContact(), ifMatch: etag)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        await (await RemoveAsync(scene.Company.Client, booking.Id, ifMatch: etag)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        (await api.GetBookingAsync(scene.Company, booking.Id)).Contact.ShouldBe(BookingContact.Available(corrected));
    }

    [Theory]
    [InlineData("""{}""", "body")]
    [InlineData("""{"name":"  ","phone":""}""", "body")]
    [InlineData("""{"phone":"call me"}""", "phone")]
    [InlineData("""{"email":"not-an-address"}""", "email")]
    [InlineData("""{"name":"a\u0007b"}""", "name")]
    public async Task Invalid_details_are_refused_naming_the_field_as_at_booking(string body, string field)
    {
        var scene = await ContactScene.CreateAsync(api);
        var booking = (await scene.BookAsync(NewRef(), NewContact())).Booking;

        var answer = await SendAsync(scene.Company.Client, HttpMethod.Put, booking.Id, new StringContent(body, Encoding.UTF8, "application/json"), ifMatch: null, idempotencyKey: null);

        await answer.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task After_an_erasure_new_details_get_a_new_key_and_read_back()
    {
        var scene = await ContactScene.CreateAsync(api);
        var beneficiaryRef = NewRef();
        var booking = (await scene.BookAsync(beneficiaryRef, NewContact())).Booking;
        (await scene.Company.Client.DeleteAsync($"/v1/beneficiaries/{beneficiaryRef}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await api.GetBookingAsync(scene.Company, booking.Id)).Contact.ShouldBe(BookingContact.Erased);
        var contact = NewContact();

        (await ChangedAsync(await PutAsync(scene.Company.Client, booking.Id, contact))).Contact.ShouldBe(BookingContact.Available(contact));

        foreach (var reader in new[] { scene.Company, scene.Club, scene.Provider })
            (await api.GetBookingAsync(reader, booking.Id)).Contact.ShouldBe(BookingContact.Available(contact), reader.Kind.ToString());
        (await api.CountAsync("""
            select count(distinct data->'contact'->>'keyId') from es_events
            where stream_id = $1 and event_type in ('booking.requested', 'booking.contact_changed')
            """, Booking.StreamId(booking.Id))).ShouldBe(2, "a new key, not the erased one");
    }

    [Fact]
    public async Task Details_given_after_booking_make_the_offer_parties_hear_of_the_beneficiary_erasure()
    {
        var scene = await ContactScene.CreateAsync(api);
        var beneficiaryRef = NewRef();
        var booking = (await scene.BookAsync(beneficiaryRef, contact: null)).Booking;
        (await ChangedAsync(await PutAsync(scene.Company.Client, booking.Id, NewContact()))).Contact!.Status.ShouldBe(ContactStatus.Available);

        var erased = await scene.Company.Client.DeleteAsync($"/v1/beneficiaries/{beneficiaryRef}");

        erased.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await api.GetBookingAsync(scene.Provider, booking.Id)).Contact.ShouldBe(BookingContact.Erased);
        foreach (var told in new[] { scene.Company, scene.Club, scene.Provider })
            (await FeedAsync(told.Client, erased.Position())).ShouldContain(e => e.Type == "beneficiary.erased", told.Kind.ToString());
        (await FeedAsync(scene.OtherCompany.Client, erased.Position())).ShouldNotContain(e => e.Type == "beneficiary.erased");
        await api.RebuildEqualsLiveAsync(FeedRegistration.FeedShard, [.. FeedReading.AudienceLookups("rm_feed"), FeedReading.FeedEntries]);
    }
}
