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
/// <item>offer events, and SlotScheduled / SlotCapacityChanged / SlotCancelled: everyone;</item>
/// <item>seat and waitlist events of a slot: the offer's club and providers, plus the company named in the event;</item>
/// <item>subscription events: the subscribing company and the offer's club;</item>
/// <item>booking events: the company, the offer's club and providers;</item>
/// <item>need events: the recording company, and the clubs and partners of the need's territory;</item>
/// <item>beneficiary erasures: the company, and the club and every provider ever listed of every offer it booked the beneficiary on with contact details (a provider removed since may still hold them);</item>
/// <item>organization events: the organization itself; MemberAdmitted/MemberRemoved also the company.</item>
/// </list>
/// </summary>
public static class EventAudience
{
    public const string Everyone = "*";

    public static string Territory(string territory) => "territory:" + territory;

    /// <summary>The audience keys an organization holds: its id, everyone, and for clubs and partners their territories.</summary>
    public static IReadOnlyList<string> KeysOf(string organizationId, OrganizationKind kind, IReadOnlyList<string> territories)
    {
        ArgumentNullException.ThrowIfNull(territories);
        var keys = new List<string> { organizationId, Everyone };
        if (kind is OrganizationKind.Club or OrganizationKind.Partner) keys.AddRange(territories.Select(Territory));
        return keys;
    }

    /// <summary>Same, for a caller (loads nothing: pass the caller's territories).</summary>
    public static IReadOnlyList<string> KeysOf(Caller caller, IReadOnlyList<string> territories)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return KeysOf(caller.OrganizationId, caller.Kind, territories);
    }

    /// <summary>The audience of an event of <paramref name="streamId"/>, sorted, without duplicates.</summary>
    public static IReadOnlyList<string> Of(string streamId, object? data, IAudienceLookups lookups)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(lookups);
        var entity = ReadModelValues.EntityId(streamId);
        // A few keys per event, for every event of two shards: a list sorted once beats a sorted set.
        var keys = new List<string>(4);
        switch (data)
        {
            case OfferPublished or OfferRevised or OfferSuspended or OfferResumed or OfferWithdrawn:
            case SlotScheduled or SlotCapacityChanged or SlotCancelled:
                keys.Add(Everyone);
                break;
            case SeatReserved e:
                AddSlotParties(entity, e.CompanyId);
                break;
            case WaitlistJoined e:
                AddSlotParties(entity, e.CompanyId);
                break;
            case SeatReleased or WaitlistLeft or WaitlistPromoted or WaitlistExpired:
                AddSlotParties(entity, null);
                break;
            case Subscribed e:
                keys.Add(e.CompanyId);
                keys.Add(e.ClubId);
                break;
            case QuotaChanged or SubscriptionCancelled or UnitsCounted or UnitsReleased:
                if (lookups.Subscription(entity) is { } subscription)
                {
                    keys.Add(subscription.CompanyId);
                    keys.Add(subscription.ClubId);
                }
                break;
            case BookingRequested e:
                keys.Add(e.CompanyId);
                AddOfferParties(e.OfferId);
                break;
            case BookingConfirmed or BookingWaitlisted or BookingPromoted or BookingExpired or BookingCancelled or AttendanceRecorded:
                if (lookups.Booking(entity) is { } booking)
                {
                    keys.Add(booking.CompanyId);
                    AddOfferParties(booking.OfferId);
                }
                break;
            case NeedRecorded e:
                keys.Add(e.CompanyId);
                keys.Add(Territory(e.Territory));
                break;
            case NeedAcknowledged or NeedAddressed or NeedWithdrawn:
                if (lookups.Need(entity) is { } need)
                {
                    keys.Add(need.CompanyId);
                    keys.Add(Territory(need.Territory));
                }
                break;
            case BeneficiaryErased e:
                keys.Add(e.CompanyId);
                foreach (var offerId in lookups.OffersBookedWithContact(e.CompanyId, e.BeneficiaryRef))
                {
                    if (lookups.Offer(offerId) is not { } offer) continue;
                    keys.Add(offer.ClubId);
                    keys.AddRange(offer.ProviderIds); // also in ProvidersEverListed, unless a node on older code wrote the offer's row
                    keys.AddRange(offer.ProvidersEverListed);
                }
                break;
            case MemberAdmitted e:
                keys.Add(entity);
                keys.Add(e.CompanyId);
                break;
            case MemberRemoved e:
                keys.Add(entity);
                keys.Add(e.CompanyId);
                break;
            case OrganizationRegistered or OrganizationRenamed or ApiKeyIssued or ApiKeyRevoked or SubscriptionOpened or SubscriptionClosed:
                keys.Add(entity);
                break;
        }
        keys.Sort(StringComparer.Ordinal);
        for (var i = keys.Count - 1; i > 0; i--)
        {
            if (keys[i] == keys[i - 1]) keys.RemoveAt(i);
        }
        return keys;

        void AddSlotParties(string slotId, string? companyId)
        {
            if (companyId is not null) keys.Add(companyId);
            if (lookups.OfferOfSlot(slotId) is { } offerId) AddOfferParties(offerId);
        }

        void AddOfferParties(string offerId)
        {
            if (lookups.Offer(offerId) is not { } offer) return;
            keys.Add(offer.ClubId);
            foreach (var provider in offer.ProviderIds) keys.Add(provider);
        }
    }
}
