using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Security;
using static Services.Api.Tests.Bookings.BookingExamples;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Bookings;

public sealed class BookingAccessTests
{
    /// <summary>Listed among the offer's providers by an offer published before providers were checked.</summary>
    private static readonly OfferState ListingAnotherCompany = OfferWith(new OfferRevised(
        "Morning shuttle", "From Figeac station.", [Territory], Money.Euros(2_000), Money.Euros(300), null, [ProviderId, OtherCompanyId]));

    [Fact]
    public void The_offers_providers_read_deliver_and_see_contact_details_of_its_bookings()
    {
        var provider = new Caller(ProviderId, OrganizationKind.Provider, ApiKeyAccess.Full);

        Booking.IsVisibleTo(ConfirmedBooking(), ListingAnotherCompany, provider).ShouldBeTrue();
        Booking.MayReadContact(ConfirmedBooking(), ListingAnotherCompany, provider, Now).ShouldBeTrue();
        Booking.IsDeliveredBy(ListingAnotherCompany, provider).ShouldBeTrue();
    }

    [Fact]
    public void Providers_read_contact_details_until_a_week_after_the_slot_starts_the_company_and_club_for_as_long_as_they_last()
    {
        var booking = ConfirmedBooking();
        var weekAfter = booking.SlotStart + Booking.ProviderContactWindow;

        Booking.MayReadContact(booking, ListingAnotherCompany, new Caller(ProviderId, OrganizationKind.Provider, ApiKeyAccess.Full), weekAfter.AddSeconds(-1)).ShouldBeTrue();
        Booking.MayReadContact(booking, ListingAnotherCompany, new Caller(ProviderId, OrganizationKind.Provider, ApiKeyAccess.Full), weekAfter).ShouldBeFalse();
        Booking.MayReadContact(booking, ListingAnotherCompany, new Caller(CompanyId, OrganizationKind.Company, ApiKeyAccess.Full), weekAfter.AddYears(1)).ShouldBeTrue();
        Booking.MayReadContact(booking, ListingAnotherCompany, new Caller(ClubId, OrganizationKind.Club, ApiKeyAccess.Full), weekAfter.AddYears(1)).ShouldBeTrue();
    }

    [Fact]
    public void An_organization_of_another_kind_listed_as_a_provider_gets_nothing_for_it()
    {
        var listed = new Caller(OtherCompanyId, OrganizationKind.Company, ApiKeyAccess.Full);

        Booking.IsVisibleTo(ConfirmedBooking(), ListingAnotherCompany, listed).ShouldBeFalse();
        Booking.MayReadContact(ConfirmedBooking(), ListingAnotherCompany, listed, Now).ShouldBeFalse();
        Booking.IsDeliveredBy(ListingAnotherCompany, listed).ShouldBeFalse();
    }
}
