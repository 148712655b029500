using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.EventStore;

namespace Services.Api.Common;

/// <summary>
/// The stored name of every event, <c>stream.event</c>. A name is written into the store forever:
/// renaming a type is fine, renaming its entry here is not.
/// </summary>
public static class DomainEvents
{
    public static EventTypeRegistry RegisterDomainEvents(this EventTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry
            .Register<OrganizationRegistered>("organization.registered")
            .Register<OrganizationRenamed>("organization.renamed")
            .Register<MemberAdmitted>("organization.member_admitted")
            .Register<MemberRemoved>("organization.member_removed")
            .Register<ApiKeyIssued>("organization.api_key_issued")
            .Register<ApiKeyRevoked>("organization.api_key_revoked")
            .Register<SubscriptionOpened>("organization.subscription_opened")
            .Register<SubscriptionClosed>("organization.subscription_closed")
            .Register<OfferPublished>("offer.published")
            .Register<OfferRevised>("offer.revised")
            .Register<OfferSuspended>("offer.suspended")
            .Register<OfferResumed>("offer.resumed")
            .Register<OfferWithdrawn>("offer.withdrawn")
            .Register<SlotScheduled>("slot.scheduled")
            .Register<SlotCapacityChanged>("slot.capacity_changed")
            .Register<SlotCancelled>("slot.cancelled")
            .Register<SlotRescheduled>("slot.rescheduled")
            .Register<SeatReserved>("slot.seat_reserved")
            .Register<SeatReleased>("slot.seat_released")
            .Register<WaitlistJoined>("slot.waitlist_joined")
            .Register<WaitlistLeft>("slot.waitlist_left")
            .Register<WaitlistPromoted>("slot.waitlist_promoted")
            .Register<WaitlistExpired>("slot.waitlist_expired")
            .Register<Subscribed>("subscription.subscribed")
            .Register<QuotaChanged>("subscription.quota_changed")
            .Register<SubscriptionCancelled>("subscription.cancelled")
            .Register<UnitsCounted>("subscription.units_counted")
            .Register<UnitsReleased>("subscription.units_released")
            .Register<BookingRequested>("booking.requested")
            .Register<BookingConfirmed>("booking.confirmed")
            .Register<BookingWaitlisted>("booking.waitlisted")
            .Register<BookingPromoted>("booking.promoted")
            .Register<BookingExpired>("booking.expired")
            .Register<BookingCancelled>("booking.cancelled")
            .Register<AttendanceRecorded>("booking.attendance_recorded")
            .Register<BookingRescheduled>("booking.rescheduled")
            .Register<BookingContactChanged>("booking.contact_changed")
            .Register<NeedRecorded>("need.recorded")
            .Register<NeedAcknowledged>("need.acknowledged")
            .Register<NeedAddressed>("need.addressed")
            .Register<NeedWithdrawn>("need.withdrawn")
            .Register<BeneficiaryErased>("beneficiary.erased");
    }
}
