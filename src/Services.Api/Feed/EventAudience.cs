using System.Collections.Frozen;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.Api.Slots;
using Services.Api.Subscriptions;

namespace Services.Api.Feed;

/// <param name="ProvidersEverListed">The providers the offer lists or listed once: any of them may hold contact details of its bookings.</param>
public sealed record OfferParties(string ClubId, IReadOnlyList<string> ProviderIds, IReadOnlyList<string> ProvidersEverListed);

public sealed record SubscriptionParties(string CompanyId, string ClubId);

public sealed record BookingParties(string CompanyId, string OfferId);

public sealed record NeedParties(string CompanyId, string Territory);

/// <summary>What the audience rule needs to know about other streams (kept by each shard in its own lookup tables).</summary>
public interface IAudienceLookups
{
    OfferParties? Offer(string offerId);

    string? OfferOfSlot(string slotId);

    SubscriptionParties? Subscription(string subscriptionId);

    BookingParties? Booking(string bookingId);

    NeedParties? Need(string needId);

    /// <summary>The offers the beneficiary was booked on with contact details, in feed order.</summary>
    IReadOnlyList<string> OffersBookedWithContact(string companyId, string beneficiaryRef);
}

/// <summary>
/// Who may see an event, in ONE place (the change feed and the webhook outbox both use it).
/// An audience is a set of keys: an organization id, <see cref="Everyone"/> (every organization) or
/// <c>territory:&lt;slug&gt;</c> (the clubs and partners of that territory; see <see cref="KeysOf(string, OrganizationKind, IReadOnlyList{string})"/>).
/// The operator sees every event and is never listed. An event with no key is the operator's only.
/// <list type="bullet">
/// <item>offer events, and SlotScheduled / SlotCapacityChanged / SlotRescheduled / SlotCancelled: everyone;</item>
/// <item>seat and waitlist events of a slot: the offer's club and providers, plus the company named in the event;</item>
/// <item>subscription events: the subscribing company and the offer's club;</item>
/// <item>booking events: the company, the offer's club and providers;</item>
/// <item>need events: the recording company, and the clubs and partners of the need's territory;</item>
/// <item>beneficiary erasures: the company, and the club and every provider ever listed of every offer it booked the beneficiary on with contact details (a provider removed since may still hold them);</item>
/// <item>organization events: the organization itself; MemberAdmitted/MemberRemoved also the company.</item>
/// </list>
/// Each party an audience names declares the kinds of organization it can be, next to how its key is found: what
/// each kind can receive (<see cref="CanReach"/>, which webhooks are checked against) follows from the same rules.
/// </summary>
public static class EventAudience
{
    public const string Everyone = "*";

    private static readonly OrganizationKind[] AnyKind = Enum.GetValues<OrganizationKind>();

    /// <summary>The kinds that hold their territories' keys.</summary>
    private static readonly OrganizationKind[] TerritoryHolders = [OrganizationKind.Club, OrganizationKind.Partner];

    private static readonly OrganizationKind[] OfferPartyKinds = [OrganizationKind.Club, OrganizationKind.Provider];

    private static readonly Party All = new(AnyKind, e => e.Keys.Add(Everyone));

    private static readonly Party PartiesOfSlotOffer = new(OfferPartyKinds, e =>
    {
        if (e.Lookups.OfferOfSlot(e.Entity) is { } offerId) AddOfferParties(e, offerId);
    });

    private static readonly Party PartiesOfSubscription = new([OrganizationKind.Company, OrganizationKind.Club], e =>
    {
        if (e.Lookups.Subscription(e.Entity) is not { } subscription) return;
        e.Keys.Add(subscription.CompanyId);
        e.Keys.Add(subscription.ClubId);
    });

    private static readonly Party PartiesOfBooking = new([OrganizationKind.Company, .. OfferPartyKinds], e =>
    {
        if (e.Lookups.Booking(e.Entity) is not { } booking) return;
        e.Keys.Add(booking.CompanyId);
        AddOfferParties(e, booking.OfferId);
    });

    private static readonly Party PartiesOfNeed = new([OrganizationKind.Company, .. TerritoryHolders], e =>
    {
        if (e.Lookups.Need(e.Entity) is not { } need) return;
        e.Keys.Add(need.CompanyId);
        e.Keys.Add(Territory(need.Territory));
    });

    /// <summary>Of a beneficiary erased: the club and every provider ever listed of every offer it was booked on with contact details (a provider removed since may still hold them).</summary>
    private static readonly Party ContactDetailsHolders = new(OfferPartyKinds, e =>
    {
        var erased = (BeneficiaryErased)e.Data;
        foreach (var offerId in e.Lookups.OffersBookedWithContact(erased.CompanyId, erased.BeneficiaryRef))
        {
            if (e.Lookups.Offer(offerId) is not { } offer) continue;
            e.Keys.Add(offer.ClubId);
            e.Keys.AddRange(offer.ProviderIds); // also in ProvidersEverListed, unless a node on older code wrote the offer's row
            e.Keys.AddRange(offer.ProvidersEverListed);
        }
    });

    private static readonly FrozenDictionary<Type, Party[]> Rules = new (Type[] Events, Party[] Audience)[]
    {
        ([typeof(OfferPublished), typeof(OfferRevised), typeof(OfferSuspended), typeof(OfferResumed), typeof(OfferWithdrawn),
            typeof(SlotScheduled), typeof(SlotCapacityChanged), typeof(SlotRescheduled), typeof(SlotCancelled)], [All]),
        ([typeof(SeatReserved)], [Company<SeatReserved>(e => e.CompanyId), PartiesOfSlotOffer]),
        ([typeof(WaitlistJoined)], [Company<WaitlistJoined>(e => e.CompanyId), PartiesOfSlotOffer]),
        ([typeof(SeatReleased), typeof(WaitlistLeft), typeof(WaitlistPromoted), typeof(WaitlistExpired)], [PartiesOfSlotOffer]),
        ([typeof(Subscribed)], [Company<Subscribed>(e => e.CompanyId), Club<Subscribed>(e => e.ClubId)]),
        ([typeof(QuotaChanged), typeof(SubscriptionCancelled), typeof(UnitsCounted), typeof(UnitsReleased)], [PartiesOfSubscription]),
        ([typeof(BookingRequested)], [Company<BookingRequested>(e => e.CompanyId), PartiesOfOffer<BookingRequested>(e => e.OfferId)]),
        ([typeof(BookingConfirmed), typeof(BookingWaitlisted), typeof(BookingPromoted), typeof(BookingExpired), typeof(BookingCancelled),
            typeof(AttendanceRecorded), typeof(BookingRescheduled), typeof(BookingContactChanged)], [PartiesOfBooking]),
        ([typeof(NeedRecorded)], [Company<NeedRecorded>(e => e.CompanyId), TerritoryOf<NeedRecorded>(e => e.Territory)]),
        ([typeof(NeedAcknowledged), typeof(NeedAddressed), typeof(NeedWithdrawn)], [PartiesOfNeed]),
        ([typeof(BeneficiaryErased)], [Company<BeneficiaryErased>(e => e.CompanyId), ContactDetailsHolders]),
        ([typeof(MemberAdmitted)], [Itself(OrganizationKind.Club), Company<MemberAdmitted>(e => e.CompanyId)]),
        ([typeof(MemberRemoved)], [Itself(OrganizationKind.Club), Company<MemberRemoved>(e => e.CompanyId)]),
        ([typeof(OrganizationRegistered), typeof(OrganizationRenamed), typeof(ApiKeyIssued), typeof(ApiKeyRevoked)], [Itself(AnyKind)]),
        ([typeof(SubscriptionOpened), typeof(SubscriptionClosed)], [Itself(OrganizationKind.Company)]),
    }.SelectMany(rule => rule.Events.Select(type => KeyValuePair.Create(type, rule.Audience))).ToFrozenDictionary();

    public static string Territory(string territory) => "territory:" + territory;

    /// <summary>The audience keys an organization holds: its id, everyone, and for clubs and partners their territories.</summary>
    public static IReadOnlyList<string> KeysOf(string organizationId, OrganizationKind kind, IReadOnlyList<string> territories)
    {
        ArgumentNullException.ThrowIfNull(territories);
        var keys = new List<string> { organizationId, Everyone };
        if (TerritoryHolders.Contains(kind)) keys.AddRange(territories.Select(Territory));
        return keys;
    }

    /// <summary>Same, for a caller (loads nothing: pass the caller's territories).</summary>
    public static IReadOnlyList<string> KeysOf(Caller caller, IReadOnlyList<string> territories)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return KeysOf(caller.OrganizationId, caller.Kind, territories);
    }

    /// <summary>
    /// Whether an organization of <paramref name="kind"/> can be in the audience of an event of <paramref name="eventType"/>:
    /// the operator sees every event; no other kind an event no rule names (the operator's only).
    /// </summary>
    public static bool CanReach(Type eventType, OrganizationKind kind) =>
        kind == OrganizationKind.Operator || (Rules.TryGetValue(eventType, out var audience) && audience.Any(party => party.Kinds.Contains(kind)));

    /// <summary>The audience of an event of <paramref name="streamId"/>, sorted, without duplicates.</summary>
    public static IReadOnlyList<string> Of(string streamId, object? data, IAudienceLookups lookups)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(lookups);
        // A few keys per event, for every event of two shards: a list sorted once beats a sorted set.
        var keys = new List<string>(4);
        if (data is not null && Rules.TryGetValue(data.GetType(), out var audience))
        {
            var recorded = new Recorded(ReadModelValues.EntityId(streamId), data, lookups, keys);
            foreach (var party in audience) party.AddKeys(recorded);
        }
        keys.Sort(StringComparer.Ordinal);
        for (var i = keys.Count - 1; i > 0; i--)
        {
            if (keys[i] == keys[i - 1]) keys.RemoveAt(i);
        }
        return keys;
    }

    /// <summary>The company an event names.</summary>
    private static Party Company<TEvent>(Func<TEvent, string> companyId) => new([OrganizationKind.Company], e => e.Keys.Add(companyId((TEvent)e.Data)));

    /// <summary>The club an event names.</summary>
    private static Party Club<TEvent>(Func<TEvent, string> clubId) => new([OrganizationKind.Club], e => e.Keys.Add(clubId((TEvent)e.Data)));

    /// <summary>The clubs and partners of the territory an event names.</summary>
    private static Party TerritoryOf<TEvent>(Func<TEvent, string> territory) => new(TerritoryHolders, e => e.Keys.Add(Territory(territory((TEvent)e.Data))));

    /// <summary>The club and providers of the offer an event names.</summary>
    private static Party PartiesOfOffer<TEvent>(Func<TEvent, string> offerId) => new(OfferPartyKinds, e => AddOfferParties(e, offerId((TEvent)e.Data)));

    /// <summary>The organization whose stream the event is on, of one of <paramref name="kinds"/>.</summary>
    private static Party Itself(params OrganizationKind[] kinds) => new(kinds, e => e.Keys.Add(e.Entity));

    private static void AddOfferParties(Recorded e, string offerId)
    {
        if (e.Lookups.Offer(offerId) is not { } offer) return;
        e.Keys.Add(offer.ClubId);
        e.Keys.AddRange(offer.ProviderIds);
    }

    private readonly record struct Recorded(string Entity, object Data, IAudienceLookups Lookups, List<string> Keys);

    /// <summary>Some organizations an event reaches: the kinds they can be, and how to find their keys.</summary>
    private sealed record Party(IReadOnlyList<OrganizationKind> Kinds, Action<Recorded> AddKeys);
}
