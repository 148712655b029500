using Services.Api.Feed;
using Services.Api.Slots;

namespace Services.Api.Tests.Feed;

public sealed class EventAudienceTests
{
    private sealed class Lookups(OfferParties offer) : IAudienceLookups
    {
        public OfferParties? Offer(string offerId) => offerId == "off_1" ? offer : null;

        public string? OfferOfSlot(string slotId) => slotId == "slt_1" ? "off_1" : null;

        public SubscriptionParties? Subscription(string subscriptionId) => null;

        public BookingParties? Booking(string bookingId) => null;

        public NeedParties? Need(string needId) => null;

        public IReadOnlyList<string> OffersBookedWithContact(string companyId, string beneficiaryRef) => beneficiaryRef == "emp-1" ? ["off_1"] : [];
    }

    [Fact]
    public void An_audience_is_sorted_and_names_each_organization_once()
    {
        // The club also provides its offer, and the company booking is one of its providers.
        var lookups = new Lookups(new OfferParties("org_club", ["org_zeta", "org_club", "org_alpha"], ["org_alpha", "org_club", "org_zeta"]));

        var audience = EventAudience.Of("slot-slt_1", new SeatReserved("bkg_1", "org_zeta", 1), lookups);

        audience.ShouldBe(["org_alpha", "org_club", "org_zeta"]);
    }

    [Fact]
    public void A_slot_of_an_unknown_offer_is_seen_by_the_company_named_only() =>
        EventAudience.Of("slot-slt_2", new SeatReserved("bkg_1", "org_company", 1), new Lookups(new OfferParties("org_club", [], []))).ShouldBe(["org_company"]);

    [Fact]
    public void An_erasure_reaches_the_providers_an_offer_booked_with_contact_details_listed_once_and_no_longer_lists()
    {
        var lookups = new Lookups(new OfferParties("org_club", ["org_new"], ["org_former", "org_new"]));

        EventAudience.Of("beneficiary-x", new Services.Api.Beneficiaries.BeneficiaryErased("org_company", "emp-1"), lookups)
            .ShouldBe(["org_club", "org_company", "org_former", "org_new"]);
        EventAudience.Of("slot-slt_1", new SeatReserved("bkg_1", "org_company", 1), lookups).ShouldBe(["org_club", "org_company", "org_new"]);
        // An offer's row written by a node on code older than the column: the providers listed now still hear of it.
        EventAudience.Of("beneficiary-x", new Services.Api.Beneficiaries.BeneficiaryErased("org_company", "emp-1"), new Lookups(new OfferParties("org_club", ["org_new"], [])))
            .ShouldBe(["org_club", "org_company", "org_new"]);
    }
}
