using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Security;
using Services.Api.Slots;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Infrastructure;

/// <summary>If-None-Match on single-resource reads (RFC 9110, 13.1.2): 304 for the copy the reader holds, the body otherwise.</summary>
public sealed class ConditionalReadsHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private sealed record Scene(Actor Club, Actor Company, string OfferId, string SubscriptionId, string SlotId);

    private async Task<Scene> SceneAsync(int capacity = 10)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: capacity);
        return new Scene(club, company, offer.Id, subscription.Id, slot.Id);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient reader, string path, string ifNoneMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch).ShouldBeTrue();
        return await reader.SendAsync(request);
    }

    /// <summary>The current ETag of <paramref name="path"/> as <paramref name="reader"/> reads it.</summary>
    private static async Task<string> ETagAsync(HttpClient reader, string path)
    {
        var read = await reader.GetAsync(path);
        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        return read.Headers.ETag!.Tag;
    }

    private static async Task ShouldBeNotModifiedAsync(HttpResponseMessage response, string etag)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.NotModified, await response.Content.ReadAsStringAsync());
        response.Headers.ETag!.Tag.ShouldBe(etag);
        (await response.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
        response.Content.Headers.ContentType.ShouldBeNull();
        foreach (var header in new[] { "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset" }) response.Headers.Contains(header).ShouldBeTrue(header);
    }

    [Fact]
    public async Task A_booking_read_with_the_etag_of_the_copy_held_is_304_with_its_etag_and_no_body()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var path = $"/v1/bookings/{booking.Id}";
        var etag = await ETagAsync(scene.Company.Client, path);

        await ShouldBeNotModifiedAsync(await GetAsync(scene.Company.Client, path, etag), etag);
    }

    [Fact]
    public async Task A_stale_etag_after_a_change_gets_the_new_body_and_etag()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var path = $"/v1/bookings/{booking.Id}";
        var stale = await ETagAsync(scene.Company.Client, path);
        await api.CancelBookingAsync(scene.Company, booking.Id);

        var read = await GetAsync(scene.Company.Client, path, stale);

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.ShouldNotBe(stale);
        (await read.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.Status.ShouldBe(BookingStatus.Cancelled);
    }

    [Fact]
    public async Task A_list_of_etags_is_304_when_one_of_them_is_current_weak_or_strong()
    {
        var scene = await SceneAsync();
        var path = $"/v1/offers/{scene.OfferId}";
        var etag = await ETagAsync(scene.Company.Client, path);

        await ShouldBeNotModifiedAsync(await GetAsync(scene.Company.Client, path, $"\"v9\", \"99\", {etag}"), etag);
        await ShouldBeNotModifiedAsync(await GetAsync(scene.Company.Client, path, $"W/{etag}"), etag);
        await ShouldBeNotModifiedAsync(await GetAsync(scene.Company.Client, path, $"\"99\", W/{etag}"), etag);
        (await GetAsync(scene.Company.Client, path, "\"98\", W/\"99\"")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_star_is_304_for_a_resource_that_exists_and_404_for_one_that_does_not()
    {
        var scene = await SceneAsync();
        var path = $"/v1/offers/{scene.OfferId}";
        var etag = await ETagAsync(scene.Company.Client, path);

        await ShouldBeNotModifiedAsync(await GetAsync(scene.Company.Client, path, "*"), etag);
        await (await GetAsync(scene.Company.Client, "/v1/offers/off_000000000000000000000000", "*")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_resource_the_caller_may_not_see_is_404_whatever_if_none_match_names()
    {
        var scene = await SceneAsync();
        var booking = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId);
        var path = $"/v1/bookings/{booking.Id}";
        var etag = await ETagAsync(scene.Company.Client, path);
        var stranger = await api.RegisterAsync(OrganizationKind.Company);

        foreach (var ifNoneMatch in new[] { etag, $"W/{etag}", "*" })
            await (await GetAsync(stranger.Client, path, ifNoneMatch)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_malformed_if_none_match_is_400_as_a_malformed_if_match_is()
    {
        var scene = await SceneAsync();

        foreach (var malformed in new[] { "1", "\"1\", *", "W/1" })
            await (await GetAsync(scene.Company.Client, $"/v1/offers/{scene.OfferId}", malformed)).ShouldBeInvalidAsync("If-None-Match");
        // Before anything is looked up, so whatever the path names.
        await (await GetAsync(scene.Company.Client, $"/v1/bookings/{Ids.New(Ids.Booking)}", "1")).ShouldBeInvalidAsync("If-None-Match");
    }

    [Fact]
    public async Task Every_single_resource_read_but_a_subscription_a_slot_or_api_keys_honours_if_none_match()
    {
        var scene = await SceneAsync();
        var organization = $"/v1/organizations/{scene.Company.Id}";
        var etag = await ETagAsync(scene.Company.Client, organization);
        await ShouldBeNotModifiedAsync(await GetAsync(scene.Company.Client, organization, etag), etag);

        // Keys' last uses and expiries move without the organization's version.
        var keys = $"/v1/organizations/{scene.Company.Id}/api-keys";
        (await GetAsync(scene.Company.Client, keys, await ETagAsync(scene.Company.Client, keys))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Its usage lists the months from today's, which move on without a new version.
        var subscription = $"/v1/subscriptions/{scene.SubscriptionId}";
        (await GetAsync(scene.Company.Client, subscription, await ETagAsync(scene.Company.Client, subscription))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_slot_is_read_in_full_since_its_offers_status_shapes_it_without_a_new_version_of_the_slot()
    {
        var scene = await SceneAsync();
        var path = $"/v1/slots/{scene.SlotId}";
        var etag = await ETagAsync(scene.Company.Client, path);
        await api.SuspendOfferAsync(scene.Club, scene.OfferId);

        var read = await GetAsync(scene.Company.Client, path, etag);

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.ShouldBe(etag);
        var slot = (await read.Content.ReadFromJsonAsync<SlotResponse>(ApiFixture.JsonOptions))!;
        (slot.OfferStatus, slot.Remaining).ShouldBe((OfferStatus.Suspended, 0));
    }

    [Fact]
    public async Task A_waitlisted_booking_is_read_in_full_since_its_place_moves_without_a_new_version()
    {
        var scene = await SceneAsync(capacity: 1);
        await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId, beneficiaryRef: "emp-1");
        var waiting = await api.BookAsync(scene.Company, scene.SubscriptionId, scene.SlotId, beneficiaryRef: "emp-2");
        waiting.Status.ShouldBe(BookingStatus.Waitlisted);
        var path = $"/v1/bookings/{waiting.Id}";

        var read = await GetAsync(scene.Company.Client, path, await ETagAsync(scene.Company.Client, path));

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await read.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.WaitlistPosition.ShouldBe(1);
    }

    [Fact]
    public async Task A_booking_whose_contact_details_the_caller_sees_is_read_in_full_since_an_erasure_changes_them()
    {
        var scene = await SceneAsync();
        var booked = await scene.Company.Client.PostAsJsonAsync("/v1/bookings",
            new BookSeatRequest(scene.SubscriptionId, scene.SlotId, 1, "emp-1", new ContactDetails(Name: "Camille Martin")), ApiFixture.JsonOptions);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        var path = $"/v1/bookings/{(await booked.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.Id}";
        var etag = await ETagAsync(scene.Company.Client, path);

        var read = await GetAsync(scene.Company.Client, path, etag);

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await read.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.Contact!.Status.ShouldBe(ContactStatus.Available);
        // The operator sees them withheld, for good: its copy is the version's.
        await ShouldBeNotModifiedAsync(await GetAsync(api.Operator, path, etag), etag);
    }

    /// <summary>A booking with contact details, and the company's path and ETag for it.</summary>
    private async Task<(Scene Scene, string Path, string ETag)> BookedWithContactAsync(string beneficiaryRef)
    {
        var scene = await SceneAsync();
        var booked = await scene.Company.Client.PostAsJsonAsync("/v1/bookings",
            new BookSeatRequest(scene.SubscriptionId, scene.SlotId, 1, beneficiaryRef, new ContactDetails(Name: "Camille Petit")), ApiFixture.JsonOptions);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        var path = $"/v1/bookings/{(await booked.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.Id}";
        return (scene, path, await ETagAsync(scene.Company.Client, path));
    }

    [Fact]
    public async Task A_copy_with_contact_details_is_not_confirmed_after_the_beneficiarys_erasure()
    {
        var (scene, path, etag) = await BookedWithContactAsync("emp-erased");
        (await scene.Company.Client.DeleteAsync("/v1/beneficiaries/emp-erased")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var read = await GetAsync(scene.Company.Client, path, etag);

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await read.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.Contact.ShouldBe(BookingContact.Erased);
    }

    [Fact]
    public async Task Contact_details_a_missing_master_key_withholds_are_read_in_full_as_they_come_back_with_the_key()
    {
        var (scene, path, etag) = await BookedWithContactAsync("emp-withheld");
        // A node whose master key was changed without the old one kept: the details are withheld, not gone.
        await using var changed = api.Factory.WithWebHostBuilder(web =>
            web.UseSetting(MasterKey.ConfigurationKey, Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBox.KeySize))));
        var company = changed.CreateClient();
        company.DefaultRequestHeaders.Authorization = scene.Company.Client.DefaultRequestHeaders.Authorization;

        var read = await GetAsync(company, path, etag);

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await read.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.Contact.ShouldBe(BookingContact.Withheld);
        // The withheld copy is not kept either once the key is back.
        (await GetAsync(scene.Company.Client, path, read.Headers.ETag!.Tag)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
