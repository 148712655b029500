using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Bookings;

/// <summary>A hot slot: many companies booking at once must neither overbook nor lose a place in line.</summary>
public sealed class BookingConcurrencyHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const int Companies = 4;
    private const int BookingsPerCompany = 50;
    private const int Capacity = 10;

    private HttpClient PatientClient(Actor actor)
    {
        var client = api.Anonymous();
        client.Timeout = TimeSpan.FromMinutes(5);
        client.DefaultRequestHeaders.Authorization = actor.Client.DefaultRequestHeaders.Authorization;
        return client;
    }

    [Fact]
    public async Task Two_hundred_simultaneous_bookings_on_ten_seats_confirm_ten_and_waitlist_the_rest_in_distinct_positions_promoted_in_order()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: Capacity);
        var members = new List<(Actor Company, string SubscriptionId)>();
        for (var i = 0; i < Companies; i++)
        {
            var company = await api.RegisterMemberAsync(club);
            members.Add((company, (await api.SubscribeAsync(company, offer.Id, monthlyQuota: 60)).Id));
        }

        // Requests on one slot queue behind each other: on a loaded machine the last may wait longer than HttpClient's default timeout.
        var patient = members.ToDictionary(m => m.Company.Id, m => PatientClient(m.Company));
        using var start = new SemaphoreSlim(0);
        var requests = members
            .SelectMany(member => Enumerable.Range(0, BookingsPerCompany).Select(async n =>
            {
                await start.WaitAsync();
                return await patient[member.Company.Id].PostAsJsonAsync("/v1/bookings",
                    new BookSeatRequest(member.SubscriptionId, slot.Id, 1, $"emp-{n:D3}"), ApiFixture.JsonOptions);
            }))
            .ToList();
        start.Release(requests.Count);
        var answers = await Task.WhenAll(requests);

        foreach (var answer in answers) answer.StatusCode.ShouldBe(HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        var bookings = await Task.WhenAll(answers.Select(async a => (await a.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!));
        bookings.Count(b => b.Status == BookingStatus.Confirmed).ShouldBe(Capacity);
        bookings.Where(b => b.Status == BookingStatus.Confirmed).ShouldAllBe(b => b.WaitlistPosition == null);
        var waitlisted = bookings.Where(b => b.Status == BookingStatus.Waitlisted).OrderBy(b => b.WaitlistPosition).ToList();
        waitlisted.Select(b => b.WaitlistPosition!.Value).ShouldBe(Enumerable.Range(1, Companies * BookingsPerCompany - Capacity));

        var availability = await api.GetSlotAsync(club, slot.Id);
        availability.Reserved.ShouldBe(Capacity);
        availability.Remaining.ShouldBe(0);
        availability.WaitlistLength.ShouldBe(Companies * BookingsPerCompany - Capacity);
        var month = bookings[0].SlotStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        foreach (var (company, subscriptionId) in members)
            (await api.GetSubscriptionAsync(company, subscriptionId)).Usage.Single(u => u.Month == month).UnitsUsed.ShouldBe(BookingsPerCompany);

        var confirmed = bookings.Where(b => b.Status == BookingStatus.Confirmed).ToList();
        var owner = members.ToDictionary(m => m.Company.Id, m => m.Company);
        for (var i = 0; i < 3; i++)
        {
            await api.CancelBookingAsync(owner[confirmed[i].CompanyId], confirmed[i].Id);

            var promoted = await api.GetBookingAsync(owner[waitlisted[i].CompanyId], waitlisted[i].Id);
            promoted.Status.ShouldBe(BookingStatus.Confirmed, $"cancellation {i + 1} should promote waitlist position {i + 1}");
            var next = await api.GetBookingAsync(owner[waitlisted[i + 1].CompanyId], waitlisted[i + 1].Id);
            next.Status.ShouldBe(BookingStatus.Waitlisted);
            next.WaitlistPosition.ShouldBe(1);
        }

        var stillWaiting = await Task.WhenAll(waitlisted.Skip(3).Select(b => api.GetBookingAsync(owner[b.CompanyId], b.Id)));
        stillWaiting.ShouldAllBe(b => b.Status == BookingStatus.Waitlisted);
        stillWaiting.Select(b => b.WaitlistPosition!.Value).ShouldBe(Enumerable.Range(1, waitlisted.Count - 3));
        var after = await api.GetSlotAsync(club, slot.Id);
        after.Reserved.ShouldBe(Capacity);
        after.WaitlistLength.ShouldBe(waitlisted.Count - 3);
    }
}
