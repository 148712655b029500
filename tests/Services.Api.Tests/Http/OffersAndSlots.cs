using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Slots;

namespace Services.Api.Tests.Http;

/// <summary>Offers and slots made through the API, for tests of any area.</summary>
public static class OffersAndSlots
{
    /// <summary>An instant <paramref name="days"/> days from now at whole minutes: slots must start in the future.</summary>
    public static DateTimeOffset InDays(int days, int hour = 9)
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, now.Day, hour, 0, 0, TimeSpan.Zero).AddDays(days);
    }

    /// <summary>A valid publication; the club publishes for itself unless <paramref name="clubId"/> is given (the operator must give it).</summary>
    public static PublishOfferRequest OfferRequest(
        Category category = Category.Concierge,
        string territory = "grand-figeac",
        CoFunding? coFunding = null,
        string? clubId = null,
        long monthlyFee = 5000,
        long unitPrice = 1250,
        IReadOnlyList<string>? providerIds = null) =>
        new(category, $"{category} offer", "A shared service for the staff of member companies.", [territory], "Europe/Paris",
            Money.Euros(monthlyFee), Money.Euros(unitPrice), coFunding, providerIds ?? [], clubId);

    /// <summary>Publishes an offer of <paramref name="club"/> with its own key (201 asserted).</summary>
    public static async Task<OfferResponse> PublishOfferAsync(
        this ApiFixture api,
        Actor club,
        Category category = Category.Concierge,
        string territory = "grand-figeac",
        CoFunding? coFunding = null,
        IReadOnlyList<string>? providerIds = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(club);
        var published = await club.Client.PostAsJsonAsync("/v1/offers",
            OfferRequest(category, territory, coFunding, providerIds: providerIds), ApiFixture.JsonOptions);
        published.StatusCode.ShouldBe(HttpStatusCode.Created, await published.Content.ReadAsStringAsync());
        return (await published.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!;
    }

    /// <summary>Schedules one slot of one hour on the offer (201 asserted); <paramref name="start"/> defaults to three days from now.</summary>
    public static async Task<SlotResponse> ScheduleSlotAsync(this ApiFixture api, Actor club, string offerId, DateTimeOffset? start = null, int capacity = 10)
    {
        var from = start ?? InDays(3);
        var slots = await api.ScheduleSlotsAsync(club, offerId, [new ScheduleSlotItem(from, from.AddHours(1), capacity)]);
        return slots.Single();
    }

    /// <summary>Schedules several slots in one request (201 asserted), answered in request order.</summary>
    public static async Task<IReadOnlyList<SlotResponse>> ScheduleSlotsAsync(this ApiFixture api, Actor club, string offerId, IReadOnlyList<ScheduleSlotItem> slots)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(club);
        var scheduled = await club.Client.PostAsJsonAsync($"/v1/offers/{offerId}/slots", new ScheduleSlotsRequest(slots), ApiFixture.JsonOptions);
        scheduled.StatusCode.ShouldBe(HttpStatusCode.Created, await scheduled.Content.ReadAsStringAsync());
        return (await scheduled.Content.ReadFromJsonAsync<ScheduledSlotsResponse>(ApiFixture.JsonOptions))!.Slots;
    }

    /// <summary>Reads a slot's public availability as <paramref name="reader"/> (200 asserted).</summary>
    public static async Task<SlotResponse> GetSlotAsync(this ApiFixture api, Actor reader, string slotId)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(reader);
        var read = await reader.Client.GetAsync($"/v1/slots/{slotId}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        return (await read.Content.ReadFromJsonAsync<SlotResponse>(ApiFixture.JsonOptions))!;
    }

    /// <summary>Changes a slot's capacity (200 asserted); a larger capacity promotes waitlisted bookings.</summary>
    public static async Task<SlotResponse> ChangeSlotCapacityAsync(this ApiFixture api, Actor club, string slotId, int capacity)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(club);
        var changed = await club.Client.PatchAsJsonAsync($"/v1/slots/{slotId}", new ChangeSlotCapacityRequest(capacity), ApiFixture.JsonOptions);
        changed.StatusCode.ShouldBe(HttpStatusCode.OK, await changed.Content.ReadAsStringAsync());
        return (await changed.Content.ReadFromJsonAsync<SlotResponse>(ApiFixture.JsonOptions))!;
    }

    /// <summary>Moves a slot to <paramref name="start"/>, for as long as it lasted, on the same day (200 asserted); its bookings follow it.</summary>
    public static async Task<HttpResponseMessage> RescheduleSlotAsync(this ApiFixture api, Actor club, SlotResponse slot, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(club);
        ArgumentNullException.ThrowIfNull(slot);
        var moved = await club.Client.PostAsJsonAsync($"/v1/slots/{slot.Id}/reschedule", new RescheduleSlotRequest(start, start + (slot.End - slot.Start)), ApiFixture.JsonOptions);
        moved.StatusCode.ShouldBe(HttpStatusCode.OK, await moved.Content.ReadAsStringAsync());
        return moved;
    }

    /// <summary>Cancels a slot (200 asserted), cancelling its bookings and giving their units back.</summary>
    public static async Task<SlotResponse> CancelSlotAsync(this ApiFixture api, Actor club, string slotId, string reason = "Provider unavailable")
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(club);
        var cancelled = await club.Client.PostAsJsonAsync($"/v1/slots/{slotId}/cancel", new CancelSlotRequest(reason), ApiFixture.JsonOptions);
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        return (await cancelled.Content.ReadFromJsonAsync<SlotResponse>(ApiFixture.JsonOptions))!;
    }

    /// <summary>Suspends an offer (200 asserted): no new subscriptions or bookings until resumed.</summary>
    public static Task<OfferResponse> SuspendOfferAsync(this ApiFixture api, Actor club, string offerId) => api.OfferLifecycleAsync(club, offerId, "suspend");

    public static Task<OfferResponse> ResumeOfferAsync(this ApiFixture api, Actor club, string offerId) => api.OfferLifecycleAsync(club, offerId, "resume");

    /// <summary>Withdraws an offer for good (200 asserted).</summary>
    public static Task<OfferResponse> WithdrawOfferAsync(this ApiFixture api, Actor club, string offerId) => api.OfferLifecycleAsync(club, offerId, "withdraw");

    private static async Task<OfferResponse> OfferLifecycleAsync(this ApiFixture api, Actor club, string offerId, string action)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(club);
        var changed = await club.Client.PostAsync($"/v1/offers/{offerId}/{action}", null);
        changed.StatusCode.ShouldBe(HttpStatusCode.OK, await changed.Content.ReadAsStringAsync());
        return (await changed.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!;
    }
}
