using System.Net;
using System.Net.Http.Json;
using Services.Api.Bookings;
using Services.Api.Subscriptions;

namespace Services.Api.Tests.Http;

/// <summary>Subscriptions and bookings made through the API, for tests of any area.</summary>
public static class Reservations
{
    /// <summary><paramref name="company"/> subscribes to the offer for itself (201 asserted).</summary>
    public static async Task<SubscriptionResponse> SubscribeAsync(this ApiFixture api, Actor company, string offerId, int monthlyQuota = 20, DateOnly? startsOn = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(company);
        var subscribed = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, monthlyQuota, startsOn), ApiFixture.JsonOptions);
        subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
        return (await subscribed.Content.ReadFromJsonAsync<SubscriptionResponse>(ApiFixture.JsonOptions))!;
    }

    /// <summary>Reads a subscription as <paramref name="reader"/> (200 asserted).</summary>
    public static async Task<SubscriptionResponse> GetSubscriptionAsync(this ApiFixture api, Actor reader, string subscriptionId)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(reader);
        var read = await reader.Client.GetAsync($"/v1/subscriptions/{subscriptionId}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        return (await read.Content.ReadFromJsonAsync<SubscriptionResponse>(ApiFixture.JsonOptions))!;
    }

    /// <summary>The request a company sends to book, for a beneficiary of its own unless one is named (one beneficiary books a slot once); the response is not asserted.</summary>
    public static Task<HttpResponseMessage> PostBookingAsync(this Actor company, string subscriptionId, string slotId, int quantity = 1, string? beneficiaryRef = null)
    {
        ArgumentNullException.ThrowIfNull(company);
        return company.Client.PostAsJsonAsync("/v1/bookings",
            new BookSeatRequest(subscriptionId, slotId, quantity, beneficiaryRef ?? $"emp-{Guid.NewGuid():N}"), ApiFixture.JsonOptions);
    }

    /// <summary>Books units of a slot (201 asserted): confirmed or waitlisted; for a beneficiary of its own unless one is named.</summary>
    public static async Task<BookingResponse> BookAsync(this ApiFixture api, Actor company, string subscriptionId, string slotId, int quantity = 1, string? beneficiaryRef = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        var booked = await company.PostBookingAsync(subscriptionId, slotId, quantity, beneficiaryRef);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        return (await booked.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
    }

    /// <summary>Reads a booking as <paramref name="reader"/> (200 asserted).</summary>
    public static async Task<BookingResponse> GetBookingAsync(this ApiFixture api, Actor reader, string bookingId)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(reader);
        var read = await reader.Client.GetAsync($"/v1/bookings/{bookingId}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        return (await read.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
    }

    /// <summary>Cancels a booking as <paramref name="actor"/> (200 asserted); freed seats go to the waitlist.</summary>
    public static async Task<BookingResponse> CancelBookingAsync(this ApiFixture api, Actor actor, string bookingId)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(actor);
        var cancelled = await actor.Client.PostAsync($"/v1/bookings/{bookingId}/cancel", null);
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        return (await cancelled.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
    }
}
