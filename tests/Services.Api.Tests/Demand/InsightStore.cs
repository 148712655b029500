using System.Net.Http.Json;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Tests.Demand;

/// <summary>
/// Domain events appended straight to the store (no deciders, any dates), for the demand, usage and
/// indicators read models; remembers the last position to wait for.
/// </summary>
public sealed class InsightStore(ApiFixture api)
{
    private readonly ApiFixture _api = api;

    public EventStore.EventStore Store { get; } = api.Service<EventStore.EventStore>();

    public ProjectionDaemon Daemon { get; } = api.Service<ProjectionDaemon>();

    public FeedPosition Last { get; private set; } = FeedPosition.Start;

    /// <summary>The insight facts' tables, written out here (not taken from the code) so that a table the code forgets to reset fails the rebuild tests.</summary>
    public static readonly string[] Tables =
    [
        "rm_insights_offers", "rm_insights_slots", "rm_insights_bookings", "rm_insights_offer_terms",
        "rm_insights_subscriptions", "rm_insights_needs", "rm_insights_organizations", "rm_insights_memberships", "rm_insights_offer_statuses",
    ];

    public static readonly DateTimeOffset Long = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task AppendAsync(string streamId, string streamType, params object[] events)
    {
        var result = await Store.AppendAsync(streamId, streamType, ExpectedVersion.Any, events);
        if (result.LastPosition > Last) Last = result.LastPosition;
    }

    public async Task<string> OrganizationAsync(OrganizationKind kind, params string[] territories)
    {
        var id = Ids.New(Ids.Organization);
        await AppendAsync(Organization.StreamId(id), Organization.StreamType,
            new OrganizationRegistered(id, kind, $"{kind} {id[^6..]}", territories, kind == OrganizationKind.Company ? Registrations.NextSiret() : null, Long));
        return id;
    }

    public Task AdmitAsync(string clubId, string companyId) =>
        AppendAsync(Organization.StreamId(clubId), Organization.StreamType, new MemberAdmitted(companyId));

    public Task RemoveAsync(string clubId, string companyId) =>
        AppendAsync(Organization.StreamId(clubId), Organization.StreamType, new MemberRemoved(companyId, DateTimeOffset.UtcNow));

    public async Task<string> OfferAsync(
        string clubId, IReadOnlyList<string> territories, Category category = Category.Concierge, long monthlyFee = 5000, long unitPrice = 1250,
        int coFundingBasisPoints = 0, string timeZone = "Europe/Paris", DateTimeOffset? publishedAt = null, string title = "Shared service",
        string? coFundingPartnerId = null, IReadOnlyList<string>? providerIds = null)
    {
        var id = Ids.New(Ids.Offer);
        await AppendAsync(Offer.StreamId(id), Offer.StreamType, new OfferPublished(
            id, clubId, category, title, "A service.", territories, timeZone, Money.Euros(monthlyFee), Money.Euros(unitPrice),
            CoFundingOf(coFundingBasisPoints, coFundingPartnerId), providerIds ?? [], publishedAt ?? Long));
        return id;
    }

    public Task ReviseAsync(
        string offerId, IReadOnlyList<string> territories, long monthlyFee, long unitPrice, int coFundingBasisPoints = 0, string title = "Shared service",
        string? coFundingPartnerId = null, IReadOnlyList<string>? providerIds = null) =>
        AppendAsync(Offer.StreamId(offerId), Offer.StreamType, new OfferRevised(
            title, "A service.", territories, Money.Euros(monthlyFee), Money.Euros(unitPrice), CoFundingOf(coFundingBasisPoints, coFundingPartnerId), providerIds ?? []));

    public Task SuspendAsync(string offerId, DateTimeOffset at) =>
        AppendAsync(Offer.StreamId(offerId), Offer.StreamType, new OfferSuspended("Closed", at));

    public Task ResumeAsync(string offerId, DateTimeOffset at) => AppendAsync(Offer.StreamId(offerId), Offer.StreamType, new OfferResumed(at));

    public Task WithdrawAsync(string offerId, DateTimeOffset at) => AppendAsync(Offer.StreamId(offerId), Offer.StreamType, new OfferWithdrawn(at));

    /// <summary>No co-funding at 0 basis points; else by <paramref name="partnerId"/>, or a partner made up for the occasion.</summary>
    private static CoFunding? CoFundingOf(int basisPoints, string? partnerId) =>
        basisPoints == 0 ? null : new CoFunding(partnerId ?? Ids.New(Ids.Organization), basisPoints);

    public async Task<(string Id, DateTimeOffset Start)> SlotAsync(string offerId, DateTimeOffset start, int capacity = 10)
    {
        var id = Ids.New(Ids.Slot);
        await AppendAsync(Slot.StreamId(id), Slot.StreamType, new SlotScheduled(id, offerId, start, start.AddHours(1), capacity));
        return (id, start);
    }

    public Task CancelSlotAsync(string slotId) => AppendAsync(Slot.StreamId(slotId), Slot.StreamType, new SlotCancelled("gone"));

    public async Task<string> SubscribeAsync(string companyId, string offerId, DateOnly startsOn, DateOnly? endsOn = null)
    {
        var id = Ids.New(Ids.Subscription);
        await AppendAsync(Subscription.StreamId(id), Subscription.StreamType, new Subscribed(id, companyId, offerId, "club", 100, startsOn, Long));
        if (endsOn is { } end) await AppendAsync(Subscription.StreamId(id), Subscription.StreamType, new SubscriptionCancelled(end));
        return id;
    }

    /// <summary>A booking requested, then whatever happened to it (<see cref="Confirmed"/>, <see cref="Attended"/>…).</summary>
    public async Task<string> BookAsync(string companyId, string offerId, (string Id, DateTimeOffset Start) slot, int quantity, string beneficiary, params object[] then)
    {
        var id = Ids.New(Ids.Booking);
        await AppendAsync(Booking.StreamId(id), Booking.StreamType,
            [new BookingRequested(id, companyId, "sub", offerId, slot.Id, slot.Start, quantity, beneficiary, slot.Start.AddDays(-2)), .. then]);
        return id;
    }

    public static object[] Confirmed => [new BookingConfirmed()];

    public static object[] Attended => [new BookingConfirmed(), new AttendanceRecorded(AttendanceOutcome.Attended, "prv")];

    public static object[] NoShow => [new BookingConfirmed(), new AttendanceRecorded(AttendanceOutcome.NoShow, "prv")];

    public static object[] Waitlisted => [new BookingWaitlisted(1)];

    public static object[] Promoted => [new BookingWaitlisted(1), new BookingPromoted()];

    public static object[] Expired => [new BookingWaitlisted(1), new BookingExpired()];

    public static object[] Cancelled => [new BookingConfirmed(), new BookingCancelled(CancellationReason.OnRequest)];

    public async Task<string> NeedAsync(string companyId, string territory, int headcount, DateTimeOffset recordedAt, Category category = Category.Mobility)
    {
        var id = Ids.New(Ids.Need);
        await AppendAsync(Need.StreamId(id), Need.StreamType, new NeedRecorded(id, companyId, category, territory, headcount, "A need.", null, recordedAt));
        return id;
    }

    public Task WithdrawNeedAsync(string needId) => AppendAsync(Need.StreamId(needId), Need.StreamType, new NeedWithdrawn());

    /// <summary>Waits (bounded) until <paramref name="shard"/> has applied everything appended here.</summary>
    public async Task CaughtUpAsync(string shard) =>
        (await Daemon.WaitForPositionAsync(shard, Last, TimeSpan.FromSeconds(15))).ShouldBeTrue($"{shard} did not reach {Last}");

    /// <summary>
    /// Spoils the tables, rebuilds the shard, waits until caught up again: the tables must equal the live ones
    /// row for row (see <see cref="ReadModelTesting.RebuildEqualsLiveAsync(ApiFixture, string, IReadOnlyList{string}, IReadOnlyList{string})"/>).
    /// </summary>
    public Task RebuildEqualsLiveAsync(string shard, IReadOnlyList<string> tables) => _api.RebuildEqualsLiveAsync(shard, tables, kept: []);

    public static string PositionOf(HttpResponseMessage response) => response.Headers.GetValues("Services-Position").Single();

    public static async Task<T> OkAsync<T>(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<T>(ApiFixture.JsonOptions))!;
    }

    /// <summary>A fresh territory code, so that scenarios in one database never mix.</summary>
    public static string NewTerritory() => "t-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>09:00 UTC on <paramref name="day"/> (the same date in Paris).</summary>
    public static DateTimeOffset At(DateOnly day, int hour = 9) => new(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero);
}
