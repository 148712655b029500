using System.Net;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Bookings;

public sealed class BookingListBySubscriptionHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_subscription_lists_the_bookings_counted_against_it_and_never_another_company_s()
    {
        var territory = "bs-" + Guid.NewGuid().ToString("N")[..10];
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var shuttle = await api.PublishOfferAsync(club, Category.Mobility, territory);
        var workshop = await api.PublishOfferAsync(club, Category.SpouseWelcome, territory);
        var company = await api.RegisterMemberAsync(club, territory);
        var other = await api.RegisterMemberAsync(club, territory);
        var subscription = await api.SubscribeAsync(company, shuttle.Id);
        var elsewhere = await api.SubscribeAsync(company, workshop.Id);
        var othersSubscription = await api.SubscribeAsync(other, shuttle.Id);
        var departure = await api.ScheduleSlotAsync(club, shuttle.Id);
        var session = await api.ScheduleSlotAsync(club, workshop.Id);
        var first = await api.BookAsync(company, subscription.Id, departure.Id, beneficiaryRef: "hr-1");
        var second = await api.BookAsync(company, subscription.Id, departure.Id, beneficiaryRef: "hr-2");
        await api.BookAsync(company, elsewhere.Id, session.Id, beneficiaryRef: "hr-1");
        var others = await api.BookAsync(other, othersSubscription.Id, departure.Id, beneficiaryRef: "hr-1");
        await api.CaughtUpAsync(Services.Api.Catalog.CatalogReadModels.BookingListShard);

        async Task<IEnumerable<string>> ListedAsync(Actor reader, string subscriptionId) =>
            (await reader.Client.ListAsync<BookingResponse>($"/v1/bookings?subscriptionId={subscriptionId}")).Data.Select(b => b.Id);

        (await ListedAsync(company, subscription.Id)).ShouldBe([second.Id, first.Id]);
        (await ListedAsync(club, subscription.Id)).ShouldBe([second.Id, first.Id]);
        (await ListedAsync(club, othersSubscription.Id)).ShouldBe([others.Id]);
        (await ListedAsync(company, othersSubscription.Id)).ShouldBeEmpty();
        (await ListedAsync(other, subscription.Id)).ShouldBeEmpty();
        await (await company.Client.GetAsync("/v1/bookings?subscriptionId=off_123")).ShouldBeInvalidAsync("subscriptionId");
    }
}
