using System.Net;
using System.Net.Http.Json;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.Client;
using static Services.Api.Tests.Demand.InsightStore;
using Wire = Services.Client.Models;

namespace Services.Api.Tests.Bookings;

public sealed class BookingCompanyNameHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Name = "Ateliers du Causse", NewName = "Ateliers du Causse (Figeac site)";

    private static async Task<BookingResponse> ListedAsync(Actor reader, string bookingId, string minPosition) =>
        (await OkAsync<Page<BookingResponse>>(await reader.Client.GetAsync($"/v1/bookings?minPosition={minPosition}"))).Data.Single(b => b.Id == bookingId);

    private static async Task<HttpResponseMessage> PollAsync(Actor reader, string bookingId, HttpResponseMessage copy)
    {
        using var poll = new HttpRequestMessage(HttpMethod.Get, $"/v1/bookings/{bookingId}");
        poll.Headers.IfNoneMatch.Add(copy.Headers.ETag!);
        return await reader.Client.SendAsync(poll);
    }

    [Fact]
    public async Task A_provider_who_cannot_read_the_company_reads_its_name_now_on_the_booking_and_in_the_list()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var provider = await api.RegisterAsync(OrganizationKind.Provider);
        var offer = await api.PublishOfferAsync(club, providerIds: [provider.Id]);
        var company = await api.RegisterAsync(OrganizationKind.Company, name: Name);
        await new ServicesClient(club.Client).AdmitMemberAsync(club.Id, new Wire.AdmitMemberRequest { CompanyId = company.Id });
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var booked = await company.PostBookingAsync(subscription.Id, slot.Id);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created);
        var booking = (await booked.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
        // bookSeat's answer does without the company's stream, one more read on the way of every booking.
        booking.CompanyName.ShouldBeNull();
        (await provider.Client.GetAsync($"/v1/organizations/{company.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var read = await provider.Client.GetAsync($"/v1/bookings/{booking.Id}");

        (await OkAsync<BookingResponse>(read)).CompanyName.ShouldBe(Name);
        // The list's minPosition waits for the booking list, not for the insights read model the name comes from.
        await api.CaughtUpAsync(Services.Api.Demand.InsightsProjection.ShardName);
        (await ListedAsync(provider, booking.Id, PositionOf(booked))).CompanyName.ShouldBe(Name);
        (await PollAsync(provider, booking.Id, read)).StatusCode.ShouldBe(HttpStatusCode.NotModified);

        var renamed = await company.Client.PatchAsJsonAsync($"/v1/organizations/{company.Id}", new RenameOrganizationRequest(NewName), ApiFixture.JsonOptions);
        renamed.StatusCode.ShouldBe(HttpStatusCode.OK, await renamed.Content.ReadAsStringAsync());

        // The copy read before names the company as it was: the booking's version no longer answers for its body.
        (await OkAsync<BookingResponse>(await PollAsync(provider, booking.Id, read))).CompanyName.ShouldBe(NewName);
        (await api.GetBookingAsync(provider, booking.Id)).CompanyName.ShouldBe(NewName);
        // The list names it from the insights read model, which the club's members read waits for.
        (await club.Client.GetAsync($"/v1/clubs/{club.Id}/members?minPosition={PositionOf(renamed)}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ListedAsync(provider, booking.Id, PositionOf(booked))).CompanyName.ShouldBe(NewName);
        (await api.CancelBookingAsync(company, booking.Id)).CompanyName.ShouldBe(NewName);
    }
}
