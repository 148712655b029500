using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Feed;
using Services.Api.Security;
using Services.Api.Slots;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Feed;
using Services.Api.Tests.Http;
using Services.Api.Tests.Security;
using Services.Api.Webhooks;
using BookingList = Services.Api.Catalog.CatalogReadModels;

namespace Services.Api.Tests.Beneficiaries;

public sealed class PersonalDataHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private Task<ContactScene> SceneAsync() => ContactScene.CreateAsync(api);

    private static ContactDetails NewContact() => ContactScene.NewContact();

    private static string NewRef() => ContactScene.NewRef();

    private static Task<(BookingResponse Booking, string Position)> BookAsync(ContactScene scene, string beneficiaryRef, ContactDetails? contact, string? slotId = null) =>
        scene.BookAsync(beneficiaryRef, contact, slotId);

    private static async Task<string> EraseAsync(HttpClient client, string beneficiaryRef, string? companyId = null)
    {
        var erased = await client.DeleteAsync($"/v1/beneficiaries/{beneficiaryRef}" + (companyId is null ? "" : $"?companyId={companyId}"));
        erased.StatusCode.ShouldBe(HttpStatusCode.NoContent, await erased.Content.ReadAsStringAsync());
        return erased.Headers.TryGetValues("Services-Position", out var position) ? position.Single() : "";
    }

    private static async Task<IReadOnlyList<EventResponse>> FeedAsync(HttpClient client, string minPosition) =>
        (await client.GetFromJsonAsync<EventPage>($"/v1/events?limit=500&minPosition={minPosition}", ApiFixture.JsonOptions))!.Data;

    [Fact]
    public async Task Contact_details_are_shown_to_the_company_the_club_and_the_provider_and_to_nobody_else()
    {
        var scene = await SceneAsync();
        var contact = NewContact();

        var (booking, position) = await BookAsync(scene, NewRef(), contact);

        var available = BookingContact.Available(contact);
        booking.Contact.ShouldBe(available);
        foreach (var reader in new[] { scene.Company, scene.Club, scene.Provider })
        {
            (await api.GetBookingAsync(reader, booking.Id)).Contact.ShouldBe(available, reader.Kind.ToString());
            (await reader.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}&minPosition={position}"))
                .Data.Single(b => b.Id == booking.Id).Contact.ShouldBe(available, reader.Kind.ToString());
        }
        // The operator administers the platform, it does not deliver the service.
        (await api.Operator.GetFromJsonAsync<BookingResponse>($"/v1/bookings/{booking.Id}", ApiFixture.JsonOptions))!.Contact.ShouldBe(BookingContact.Withheld);
        (await api.Operator.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}&minPosition={position}"))
            .Data.Single(b => b.Id == booking.Id).Contact.ShouldBe(BookingContact.Withheld);
        foreach (var stranger in new[] { scene.OtherCompany, scene.Partner })
        {
            await (await stranger.Client.GetAsync($"/v1/bookings/{booking.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
            var listed = await stranger.Client.GetAsync($"/v1/bookings?minPosition={position}");
            listed.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await listed.Content.ReadAsStringAsync()).ShouldNotContain(contact.Email!);
        }
        // A booking without contact details has none to show.
        (await BookAsync(scene, NewRef(), contact: null)).Booking.Contact.ShouldBeNull();
    }

    [Fact]
    public async Task A_provider_reads_contact_details_until_a_week_after_the_slot_starts_the_company_and_the_club_after_that_too()
    {
        var scene = await SceneAsync();
        var contact = NewContact();
        var (booking, position) = await BookAsync(scene, NewRef(), contact);
        await using var later = api.WithClock(new FakeClock(booking.SlotStart + Booking.ProviderContactWindow - TimeSpan.FromMinutes(1)));

        async Task<(BookingContact? Single, BookingContact? Listed)> ReadAsync(Actor reader)
        {
            var client = later.ClientFor(reader);
            var single = (await client.GetFromJsonAsync<BookingResponse>($"/v1/bookings/{booking.Id}", ApiFixture.JsonOptions))!.Contact;
            var listed = (await client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}&minPosition={position}")).Data.Single(b => b.Id == booking.Id).Contact;
            return (single, listed);
        }

        var available = BookingContact.Available(contact);
        (await ReadAsync(scene.Provider)).ShouldBe((available, available));
        later.Clock.Advance(TimeSpan.FromMinutes(1));
        (await ReadAsync(scene.Provider)).ShouldBe((BookingContact.Withheld, BookingContact.Withheld));
        (await ReadAsync(scene.Company)).ShouldBe((available, available));
        (await ReadAsync(scene.Club)).ShouldBe((available, available));
    }

    [Fact]
    public async Task A_provider_reads_the_contact_details_of_the_confirmed_bookings_only_the_company_and_the_club_of_every_one()
    {
        var scene = await SceneAsync();
        var contact = NewContact();
        var starting = await api.ScheduleSlotAsync(scene.Club, scene.OfferId, capacity: 1);
        var later = await api.ScheduleSlotAsync(scene.Club, scene.OfferId, starting.Start.AddDays(1), capacity: 1);
        var confirmed = (await BookAsync(scene, NewRef(), contact, starting.Id)).Booking;
        var expiring = (await BookAsync(scene, NewRef(), contact, starting.Id)).Booking;
        await BookAsync(scene, NewRef(), contact, later.Id);
        var waitlisted = (await BookAsync(scene, NewRef(), contact, later.Id)).Booking;
        var cancelled = await api.CancelBookingAsync(scene.Company, (await BookAsync(scene, NewRef(), contact)).Booking.Id);
        (expiring.Status, waitlisted.Status, cancelled.Status).ShouldBe((BookingStatus.Waitlisted, BookingStatus.Waitlisted, BookingStatus.Cancelled));
        await api.CaughtUpAsync(BookingList.CatalogShard);
        await using var started = api.WithClock(new FakeClock(starting.Start));
        (await started.Service<WaitlistExpiry>().RunOnceAsync(CancellationToken.None)).ShouldBe(1);
        await api.CaughtUpAsync(BookingList.BookingListShard);

        // getBooking (Booking.ProviderDelivers) and listBookings (its SQL twin) answer alike.
        async Task<(BookingContact? Single, BookingContact? Listed)> ReadAsync(Actor reader, string bookingId)
        {
            var client = started.ClientFor(reader);
            var single = (await client.GetFromJsonAsync<BookingResponse>($"/v1/bookings/{bookingId}", ApiFixture.JsonOptions))!;
            var listed = (await client.ListAsync<BookingResponse>($"/v1/bookings?offerId={scene.OfferId}")).Data.Single(b => b.Id == bookingId);
            return (single.Contact, listed.Contact);
        }

        var available = BookingContact.Available(contact);
        (await api.GetBookingAsync(scene.Company, expiring.Id)).Status.ShouldBe(BookingStatus.Expired);
        (await ReadAsync(scene.Provider, confirmed.Id)).ShouldBe((available, available));
        foreach (var undelivered in new[] { cancelled.Id, expiring.Id, waitlisted.Id })
        {
            (await ReadAsync(scene.Provider, undelivered)).ShouldBe((BookingContact.Withheld, BookingContact.Withheld), undelivered);
            (await ReadAsync(scene.Company, undelivered)).ShouldBe((available, available), undelivered);
            (await ReadAsync(scene.Club, undelivered)).ShouldBe((available, available), undelivered);
        }
    }

    [Fact]
    public async Task Contact_details_reach_the_events_only_as_ciphertext_and_the_feed_withholds_them()
    {
        var scene = await SceneAsync();
        var contact = NewContact();
        var beneficiaryRef = NewRef();

        var (booking, position) = await BookAsync(scene, beneficiaryRef, contact);

        (await api.EventsContainingAsync(contact.Email!)).ShouldBe(0);
        (await api.EventsContainingAsync(contact.Phone!)).ShouldBe(0);
        (await api.EventsContainingAsync(contact.Name!)).ShouldBe(0);
        (await api.CountAsync("select count(*) from es_events where stream_id = $1 and data->'contact' ? 'ciphertext'", Booking.StreamId(booking.Id))).ShouldBe(1);
        (await api.CountAsync("select count(*) from beneficiary_keys where company_id = $1 and beneficiary_ref = $2", scene.Company.Id, beneficiaryRef)).ShouldBe(1);
        (await api.CountAsync("select count(*) from rm_bookings where strpos(rm_bookings::text, $1) > 0", contact.Email!)).ShouldBe(0);

        foreach (var reader in new[] { scene.Company, scene.Club })
        {
            var requested = (await FeedAsync(reader.Client, position)).Single(e => e.Type == "booking.requested" && e.StreamId == Booking.StreamId(booking.Id));
            requested.Data.GetProperty("contact").GetRawText().ShouldBe("""{"status":"withheld"}""");
            requested.Data.GetProperty("beneficiaryRef").GetString().ShouldBe(beneficiaryRef);
        }
    }

    [Fact]
    public async Task Erasing_a_beneficiary_destroys_its_key_every_reader_then_sees_erased_and_the_figures_stay_the_same()
    {
        var scene = await SceneAsync();
        var webhook = await scene.Provider.Client.PostAsJsonAsync("/v1/webhooks",
            new CreateWebhookRequest("https://hooks.example.com/provider", ["beneficiary.*", "booking.requested"]), ApiFixture.JsonOptions);
        var webhookId = (await webhook.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!.Id;
        var beneficiaryRef = NewRef();
        var contact = NewContact();
        var (first, _) = await BookAsync(scene, beneficiaryRef, contact);
        var nextDay = await api.ScheduleSlotAsync(scene.Club, scene.OfferId, OffersAndSlots.InDays(4));
        var (second, _) = await BookAsync(scene, beneficiaryRef, contact with { Phone = null }, nextDay.Id);
        var (kept, before) = await BookAsync(scene, NewRef(), NewContact());
        var month = first.SlotStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var usage = $"/v1/companies/{scene.Company.Id}/usage?month={month}";
        var indicators = $"/v1/indicators?territory={scene.Territory}&month={month}";
        var usageBefore = await scene.Company.Client.GetStringAsync($"{usage}&minPosition={before}");
        var indicatorsBefore = await scene.Partner.Client.GetStringAsync($"{indicators}&minPosition={before}");

        var erased = await EraseAsync(scene.Company.Client, beneficiaryRef);

        (await api.CountAsync("select count(*) from beneficiary_keys where company_id = $1 and beneficiary_ref = $2", scene.Company.Id, beneficiaryRef)).ShouldBe(0);
        foreach (var reader in new[] { scene.Company, scene.Club, scene.Provider })
        {
            (await api.GetBookingAsync(reader, first.Id)).Contact.ShouldBe(BookingContact.Erased);
            (await api.GetBookingAsync(reader, second.Id)).Contact.ShouldBe(BookingContact.Erased);
            (await api.GetBookingAsync(reader, kept.Id)).Contact!.Status.ShouldBe(ContactStatus.Available);
            var listed = (await reader.Client.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}&minPosition={erased}")).Data;
            listed.Single(b => b.Id == first.Id).Contact.ShouldBe(BookingContact.Erased);
            listed.Single(b => b.Id == kept.Id).Contact!.Status.ShouldBe(ContactStatus.Available);
        }
        (await api.GetBookingAsync(scene.Company, first.Id)).BeneficiaryRef.ShouldBe(beneficiaryRef);

        // Integrators concerned hear of it; others do not. The event carries no personal data.
        foreach (var told in new[] { scene.Company, scene.Club, scene.Provider })
        {
            var erasure = (await FeedAsync(told.Client, erased)).Single(e => e.Type == "beneficiary.erased");
            erasure.Data.GetRawText().ShouldBe($$"""{"companyId":"{{scene.Company.Id}}","beneficiaryRef":"{{beneficiaryRef}}"}""");
        }
        foreach (var stranger in new[] { scene.OtherCompany, scene.Partner })
            (await FeedAsync(stranger.Client, erased)).ShouldNotContain(e => e.Type == "beneficiary.erased");
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        var deliveries = (await scene.Provider.Client.ListAsync<WebhookDeliveryResponse>($"/v1/webhooks/{webhookId}/deliveries?limit=100")).Data;
        deliveries.Count(d => d.EventType == "beneficiary.erased").ShouldBe(1);
        deliveries.Count(d => d.EventType == "booking.requested").ShouldBe(3);
        (await api.CountAsync("select count(*) from webhook_deliveries where strpos(body, 'ciphertext') > 0 or strpos(body, $1) > 0", contact.Email!)).ShouldBe(0);

        // Counts, statements and indicators never depended on the details.
        (await scene.Company.Client.GetStringAsync($"{usage}&minPosition={erased}")).ShouldBe(usageBefore);
        (await scene.Partner.Client.GetStringAsync($"{indicators}&minPosition={erased}")).ShouldBe(indicatorsBefore);
        await api.RebuildEqualsLiveAsync(BookingList.BookingListShard, "rm_booking_offers", "rm_bookings");
        await api.RebuildEqualsLiveAsync(FeedRegistration.FeedShard, [.. FeedReading.AudienceLookups("rm_feed"), FeedReading.FeedEntries]);
        await api.RebuildEqualsLiveAsync(InsightsProjection.ShardName, $"{InsightsProjection.Prefix}_bookings", $"{InsightsProjection.Prefix}_subscriptions");
        (await api.GetBookingAsync(scene.Club, first.Id)).Contact.ShouldBe(BookingContact.Erased);
    }

    [Fact]
    public async Task A_provider_removed_from_the_offer_since_it_could_read_the_details_hears_of_the_erasure()
    {
        var scene = await SceneAsync();
        var webhook = await scene.Provider.Client.PostAsJsonAsync("/v1/webhooks",
            new CreateWebhookRequest("https://hooks.example.com/provider", ["beneficiary.*"]), ApiFixture.JsonOptions);
        var webhookId = (await webhook.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!.Id;
        var beneficiaryRef = NewRef();
        var (booking, _) = await BookAsync(scene, beneficiaryRef, NewContact());
        (await api.GetBookingAsync(scene.Provider, booking.Id)).Contact!.Status.ShouldBe(ContactStatus.Available);
        var revised = await scene.Club.Client.PatchAsJsonAsync($"/v1/offers/{scene.OfferId}", new Services.Api.Offers.ReviseOfferRequest(ProviderIds: []), ApiFixture.PartialChangeOptions);
        revised.StatusCode.ShouldBe(HttpStatusCode.OK, await revised.Content.ReadAsStringAsync());

        var erased = await EraseAsync(scene.Company.Client, beneficiaryRef);

        (await FeedAsync(scene.Provider.Client, erased)).ShouldContain(e => e.Type == "beneficiary.erased");
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        (await scene.Provider.Client.ListAsync<WebhookDeliveryResponse>($"/v1/webhooks/{webhookId}/deliveries")).Data.ShouldContain(d => d.EventType == "beneficiary.erased");
        await api.RebuildEqualsLiveAsync(FeedRegistration.FeedShard, [.. FeedReading.AudienceLookups("rm_feed"), FeedReading.FeedEntries]);
    }

    [Fact]
    public async Task A_retry_after_the_erasure_replays_the_answer_with_the_details_erased()
    {
        var scene = await SceneAsync();
        var beneficiaryRef = NewRef();
        var contact = NewContact();
        var booking = JsonSerializer.Serialize(new BookSeatRequest(scene.SubscriptionId, scene.SlotId, 1, beneficiaryRef, contact), ApiFixture.JsonOptions);
        var (bookingKey, cancellationKey) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        Task<HttpResponseMessage> BookAsync() => SendWithKeyAsync(scene.Company.Client, HttpMethod.Post, "/v1/bookings", bookingKey, booking);
        var booked = await ReadAsync(await BookAsync(), HttpStatusCode.Created);
        Task<HttpResponseMessage> CancelAsync() => SendWithKeyAsync(scene.Club.Client, HttpMethod.Post, $"/v1/bookings/{booked.Id}/cancel", cancellationKey, null);
        var cancelled = await ReadAsync(await CancelAsync(), HttpStatusCode.OK);
        cancelled.Contact.ShouldBe(BookingContact.Available(contact));
        (await ReadAsync(await BookAsync(), HttpStatusCode.Created, replayed: true)).ShouldBe(booked);
        var refusalKey = Guid.NewGuid().ToString();
        var refused = await SendWithKeyAsync(scene.Club.Client, HttpMethod.Post, $"/v1/bookings/{booked.Id}/cancel", refusalKey, null);
        await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "booking_not_cancellable");

        await EraseAsync(scene.Company.Client, beneficiaryRef);

        (await ReadAsync(await BookAsync(), HttpStatusCode.Created, replayed: true)).ShouldBe(booked with { Contact = BookingContact.Erased });
        (await ReadAsync(await CancelAsync(), HttpStatusCode.OK, replayed: true)).ShouldBe(cancelled with { Contact = BookingContact.Erased });
        // A refusal showed no details: it is replayed as it was.
        var refusedAgain = await SendWithKeyAsync(scene.Club.Client, HttpMethod.Post, $"/v1/bookings/{booked.Id}/cancel", refusalKey, null);
        refusedAgain.Headers.Contains("Idempotent-Replayed").ShouldBeTrue();
        (await refusedAgain.Content.ReadAsStringAsync()).ShouldBe(await refused.Content.ReadAsStringAsync());
        (await api.CountAsync("select count(*) from idempotency_keys where key in ($1, $2) and whole_body is not null", bookingKey, cancellationKey)).ShouldBe(0);
        (await api.CountAsync("select count(*) from idempotency_keys where key in ($1, $2) and whole_body is null and status is not null", bookingKey, cancellationKey)).ShouldBe(2);
    }

    private static async Task<HttpResponseMessage> SendWithKeyAsync(HttpClient client, HttpMethod method, string path, string key, string? json)
    {
        using var request = new HttpRequestMessage(method, path) { Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private static async Task<BookingResponse> ReadAsync(HttpResponseMessage answer, HttpStatusCode status, bool replayed = false)
    {
        answer.StatusCode.ShouldBe(status, await answer.Content.ReadAsStringAsync());
        answer.Headers.Contains("Idempotent-Replayed").ShouldBe(replayed);
        return (await answer.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
    }

    [Fact]
    public async Task Erasing_is_idempotent_an_unknown_reference_answers_204_and_neither_appends_an_event()
    {
        var scene = await SceneAsync();
        var beneficiaryRef = NewRef();
        await BookAsync(scene, beneficiaryRef, NewContact());
        var stream = Beneficiary.StreamId(scene.Company.Id, beneficiaryRef);

        var erased = await EraseAsync(scene.Company.Client, beneficiaryRef);
        (await EraseAsync(scene.Company.Client, beneficiaryRef)).ShouldBe(erased);
        (await EraseAsync(scene.Company.Client, NewRef())).ShouldBe("0.0", "nothing to wait for");

        (await api.CountAsync("select count(*) from es_events where event_type = 'beneficiary.erased' and stream_id = $1", stream)).ShouldBe(1);
        (await api.CountAsync("select count(*) from es_events where event_type = 'beneficiary.erased' and data->>'companyId' = $1", scene.Company.Id)).ShouldBe(1);

        // Details given again after an erasure get a new key: readable until erased in turn.
        var contact = NewContact();
        var nextDay = await api.ScheduleSlotAsync(scene.Club, scene.OfferId, OffersAndSlots.InDays(4));
        var (again, _) = await BookAsync(scene, beneficiaryRef, contact, nextDay.Id);
        (await api.GetBookingAsync(scene.Provider, again.Id)).Contact.ShouldBe(BookingContact.Available(contact));
        await EraseAsync(scene.Company.Client, beneficiaryRef);
        (await api.GetBookingAsync(scene.Provider, again.Id)).Contact.ShouldBe(BookingContact.Erased);
        (await api.CountAsync("select count(*) from es_events where event_type = 'beneficiary.erased' and stream_id = $1", stream)).ShouldBe(2);
    }

    [Fact]
    public async Task Only_the_company_or_the_operator_naming_it_erases_a_beneficiary()
    {
        var scene = await SceneAsync();
        var beneficiaryRef = NewRef();
        var (booking, _) = await BookAsync(scene, beneficiaryRef, NewContact());

        foreach (var other in new[] { scene.Club, scene.Provider, scene.Partner })
            await (await other.Client.DeleteAsync($"/v1/beneficiaries/{beneficiaryRef}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await api.Operator.DeleteAsync($"/v1/beneficiaries/{beneficiaryRef}")).ShouldBeInvalidAsync("companyId");
        await (await scene.Company.Client.DeleteAsync($"/v1/beneficiaries/{beneficiaryRef}?companyId={scene.OtherCompany.Id}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await scene.Company.Client.DeleteAsync("/v1/beneficiaries/jean%40example.org")).ShouldBeInvalidAsync("beneficiaryRef");
        // Another company erasing the same reference erases its own beneficiary, not this one.
        await EraseAsync(scene.OtherCompany.Client, beneficiaryRef);
        (await api.GetBookingAsync(scene.Company, booking.Id)).Contact!.Status.ShouldBe(ContactStatus.Available);

        await EraseAsync(api.Operator, beneficiaryRef, scene.Company.Id);
        (await api.GetBookingAsync(scene.Company, booking.Id)).Contact.ShouldBe(BookingContact.Erased);
    }

    [Fact]
    public async Task Empty_or_blank_contact_fields_count_as_left_out_beside_a_filled_one()
    {
        var scene = await SceneAsync();
        var phone = NewContact().Phone;
        var body = $$$"""{"subscriptionId":"{{{scene.SubscriptionId}}}","slotId":"{{{scene.SlotId}}}","quantity":1,"beneficiaryRef":"{{{NewRef()}}}","contact":{"name":"","email":"  ","phone":"{{{phone}}}"}}""";

        var booked = await scene.Company.Client.PostAsync("/v1/bookings", new StringContent(body, Encoding.UTF8, "application/json"));

        booked.StatusCode.ShouldBe(HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        var booking = (await booked.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
        (await api.GetBookingAsync(scene.Company, booking.Id)).Contact.ShouldBe(new BookingContact(ContactStatus.Available, null, null, phone));
    }

    [Theory]
    [InlineData("""{}""", "contact")]
    [InlineData("""{"name":""}""", "contact")]
    [InlineData("""{"name":"","email":"","phone":""}""", "contact")]
    [InlineData("""{"email":"not-an-address"}""", "contact.email")]
    [InlineData("""{"phone":"call me"}""", "contact.phone")]
    [InlineData("""{"phone":"+33 6"}""", "contact.phone")]
    [InlineData("""{"name":"   "}""", "contact")]
    [InlineData("""{"name":"a\u0007b"}""", "contact.name")]
    public async Task Invalid_contact_details_are_refused_naming_the_field(string contact, string field)
    {
        var scene = await SceneAsync();
        var body = $$"""{"subscriptionId":"{{scene.SubscriptionId}}","slotId":"{{scene.SlotId}}","quantity":1,"beneficiaryRef":"hr-1","contact":{{contact}}}""";
        await (await scene.Company.Client.PostAsync("/v1/bookings", new StringContent(body, Encoding.UTF8, "application/json"))).ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task Overlong_contact_details_are_refused_naming_the_field()
    {
        var scene = await SceneAsync();
        var tooLong = new ContactDetails(new string('a', ContactDetails.MaxName + 1), $"{new string('b', 60)}@{new string('c', 200)}.org");
        var booked = await scene.Company.Client.PostAsJsonAsync("/v1/bookings",
            new BookSeatRequest(scene.SubscriptionId, scene.SlotId, 1, "hr-2", tooLong), ApiFixture.JsonOptions);
        var problem = await booked.ShouldBeInvalidAsync("contact.name");
        problem.GetProperty("errors").TryGetProperty("contact.email", out _).ShouldBeTrue(problem.ToString());
        JsonSerializer.Serialize(problem).ShouldNotContain(new string('c', 200));
    }

    [Fact]
    public async Task Contact_details_whose_key_another_master_key_cannot_open_are_withheld_and_logged_once_instead_of_failing_the_read()
    {
        var scene = await SceneAsync();
        var (withContact, _) = await BookAsync(scene, NewRef(), NewContact());
        var (withoutContact, position) = await BookAsync(scene, NewRef(), null);
        var logs = new CapturedLogs();
        await using var rekeyed = api.Factory.WithWebHostBuilder(web =>
        {
            web.UseSetting(MasterKey.ConfigurationKey, Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBox.KeySize)));
            web.ConfigureLogging(logging => logging.AddProvider(logs));
        });
        using var company = rekeyed.CreateClient();
        company.DefaultRequestHeaders.Authorization = scene.Company.Client.DefaultRequestHeaders.Authorization;

        var read = await company.GetAsync($"/v1/bookings/{withContact.Id}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        (await read.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.Contact.ShouldBe(BookingContact.Withheld);
        var listed = (await company.ListAsync<BookingResponse>($"/v1/bookings?slotId={scene.SlotId}&minPosition={position}")).Data;
        listed.Single(b => b.Id == withContact.Id).Contact.ShouldBe(BookingContact.Withheld);
        listed.Single(b => b.Id == withoutContact.Id).Contact.ShouldBeNull();
        logs.Lines.Count(line => line.Contains("does not open with this node's master key", StringComparison.Ordinal)).ShouldBe(1);
    }
}
