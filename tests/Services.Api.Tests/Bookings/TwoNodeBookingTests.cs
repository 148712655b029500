using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Tests.Http;
using Services.Testing;

namespace Services.Api.Tests.Bookings;

/// <summary>
/// Two API nodes on one database. Each decides on the states it has cached without reading them;
/// what the other node changed meanwhile must still decide the answer.
/// </summary>
public sealed class TwoNodeBookingTests(ApiFixture api) : IClassFixture<ApiFixture>, IAsyncLifetime
{
    private WebApplicationFactory<Program> _otherNode = null!;

    public Task InitializeAsync()
    {
        _otherNode = api.Factory.WithWebHostBuilder(_ => { });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _otherNode.DisposeAsync();

    private Actor OnOtherNode(Actor actor)
    {
        var client = _otherNode.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", actor.Client.DefaultRequestHeaders.Authorization!.Parameter);
        return actor with { Client = client };
    }

    [Fact]
    public async Task Units_released_on_the_other_node_can_be_booked_although_this_node_last_saw_the_quota_used()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var (first, second) = (await api.ScheduleSlotAsync(club, offer.Id), await api.ScheduleSlotAsync(club, offer.Id));
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota: 1);
        var booked = await api.BookAsync(company, subscription.Id, first.Id);
        (await company.PostBookingAsync(subscription.Id, second.Id)).StatusCode.ShouldBe(HttpStatusCode.Conflict, "the quota is used");

        await api.CancelBookingAsync(OnOtherNode(company), booked.Id);

        (await api.BookAsync(company, subscription.Id, second.Id)).Status.ShouldBe(BookingStatus.Confirmed);
    }

    [Fact]
    public async Task A_seat_freed_on_the_other_node_is_confirmed_here_rather_than_waitlisted()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: 1);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var booked = await api.BookAsync(company, subscription.Id, slot.Id, beneficiaryRef: "emp-1");

        await api.CancelBookingAsync(OnOtherNode(company), booked.Id);

        (await api.BookAsync(company, subscription.Id, slot.Id, beneficiaryRef: "emp-2")).Status.ShouldBe(BookingStatus.Confirmed);
    }

    [Fact]
    public async Task An_offer_suspended_on_the_other_node_takes_no_more_bookings_here()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var (first, second) = (await api.ScheduleSlotAsync(club, offer.Id), await api.ScheduleSlotAsync(club, offer.Id));
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        await api.BookAsync(company, subscription.Id, first.Id);

        var suspended = await OnOtherNode(club).Client.PostAsync($"/v1/offers/{offer.Id}/suspend", null);
        suspended.StatusCode.ShouldBe(HttpStatusCode.OK, await suspended.Content.ReadAsStringAsync());

        await (await company.PostBookingAsync(subscription.Id, second.Id)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_suspended");
    }
    [Fact]
    public async Task A_slot_cancelled_here_after_a_booking_on_the_other_node_releases_every_booking()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var here = await api.BookAsync(company, subscription.Id, slot.Id, beneficiaryRef: "emp-1");
        var bookedThere = await OnOtherNode(company).PostBookingAsync(subscription.Id, slot.Id, beneficiaryRef: "emp-2");
        bookedThere.StatusCode.ShouldBe(HttpStatusCode.Created, await bookedThere.Content.ReadAsStringAsync());
        var there = (await bookedThere.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
        // Reading the slot here folds its new booking in, while this node's fold of the subscription is still the old one.
        (await api.GetSlotAsync(club, slot.Id)).Reserved.ShouldBe(2);

        await api.CancelSlotAsync(club, slot.Id);

        (await api.GetBookingAsync(company, here.Id)).Status.ShouldBe(BookingStatus.Cancelled);
        (await api.GetBookingAsync(company, there.Id)).Status.ShouldBe(BookingStatus.Cancelled);
        (await api.GetSubscriptionAsync(company, subscription.Id)).Usage.ShouldAllBe(month => month.UnitsUsed == 0);
    }

    [Fact]
    public async Task A_booking_sealed_with_a_key_the_other_node_erased_before_it_committed_keeps_its_contact_details()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var blocker = await api.BookAsync(company, subscription.Id, slot.Id, beneficiaryRef: "emp-0");
        var beneficiaryRef = "emp-" + Guid.NewGuid().ToString("N")[..8];
        var contact = new ContactDetails("Camille Martin", "camille.martin@example.org", "+33 6 12 34 56 78");

        // This node's committer is held inside another append (the blocker's cancellation waits for its
        // stream's lock), so the booking below is sealed, then waits to commit while the other node erases.
        await using var connection = await api.Service<NpgsqlDataSource>().OpenConnectionAsync();
        await using var holding = await connection.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("select pg_advisory_xact_lock(hashtextextended($1, 0))", connection, holding))
        {
            hold.Parameters.Add(new NpgsqlParameter { Value = Booking.StreamId(blocker.Id) });
            await hold.ExecuteNonQueryAsync();
        }
        var cancelling = company.Client.PostAsync($"/v1/bookings/{blocker.Id}/cancel", null);
        await Eventually.WaitUntilAsync(async () => await api.CountAsync(
            "select count(*) from pg_locks l join pg_stat_activity a using (pid) where l.locktype = 'advisory' and not l.granted and a.datname = current_database()") > 0,
            "the cancellation waits for its stream's lock");
        var booking = company.Client.PostAsJsonAsync("/v1/bookings", new BookSeatRequest(subscription.Id, slot.Id, 1, beneficiaryRef, contact), ApiFixture.JsonOptions);
        await Eventually.WaitUntilAsync(async () => await api.CountAsync(
            "select count(*) from beneficiary_keys where company_id = $1 and beneficiary_ref = $2", company.Id, beneficiaryRef) > 0,
            "the booking's contact details are sealed");
        var erased = await OnOtherNode(company).Client.DeleteAsync($"/v1/beneficiaries/{beneficiaryRef}");
        erased.StatusCode.ShouldBe(HttpStatusCode.NoContent, await erased.Content.ReadAsStringAsync());
        await holding.RollbackAsync();

        (await cancelling).StatusCode.ShouldBe(HttpStatusCode.OK);
        var booked = await booking;
        booked.StatusCode.ShouldBe(HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        var id = (await booked.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!.Id;
        (await api.GetBookingAsync(company, id)).Contact.ShouldBe(BookingContact.Available(contact), "the booking committed after the erasure");
    }

    [Fact]
    public async Task Simultaneous_bookings_of_one_slot_on_both_nodes_confirm_its_seats_once_and_queue_the_rest_in_distinct_positions()
    {
        const int capacity = 5;
        const int perCompanyAndNode = 10;
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: capacity);
        var members = new List<(Actor Here, Actor There, string SubscriptionId)>();
        for (var i = 0; i < 3; i++)
        {
            var company = await api.RegisterMemberAsync(club);
            members.Add((company, OnOtherNode(company), (await api.SubscribeAsync(company, offer.Id, monthlyQuota: 100)).Id));
        }

        // Each node queues the requests on one slot behind each other, so only the two nodes race:
        // every append meets the version the other node may just have moved.
        using var start = new SemaphoreSlim(0);
        var requests = members
            .SelectMany(member => new[] { member.Here, member.There }.SelectMany(actor => Enumerable.Range(0, perCompanyAndNode).Select(async _ =>
            {
                await start.WaitAsync();
                return await actor.PostBookingAsync(member.SubscriptionId, slot.Id);
            })))
            .ToList();
        start.Release(requests.Count);
        var answers = await Task.WhenAll(requests);

        foreach (var answer in answers) answer.StatusCode.ShouldBe(HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        var bookings = await Task.WhenAll(answers.Select(async a => (await a.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!));
        bookings.Count(b => b.Status == BookingStatus.Confirmed).ShouldBe(capacity);
        bookings.Where(b => b.Status == BookingStatus.Waitlisted).Select(b => b.WaitlistPosition!.Value).Order()
            .ShouldBe(Enumerable.Range(1, requests.Count - capacity));
        var seen = await api.GetSlotAsync(club, slot.Id);
        seen.Reserved.ShouldBe(capacity);
        seen.WaitlistLength.ShouldBe(requests.Count - capacity);
        foreach (var (here, _, subscriptionId) in members)
            (await api.GetSubscriptionAsync(here, subscriptionId)).Usage.Sum(u => u.UnitsUsed).ShouldBe(2 * perCompanyAndNode);
    }
}
