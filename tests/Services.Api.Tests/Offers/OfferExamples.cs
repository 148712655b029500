using Services.Api.Common;
using Services.Api.Offers;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Offers;

public static class OfferExamples
{
    public const string OfferId = "off_shuttle";
    public const string TimeZoneId = "Europe/Paris";

    public static OfferPublished Published(Category category = Category.Mobility, CoFunding? coFunding = null) => new(
        OfferId, ClubId, category, "Morning shuttle", "From Figeac station to the Lafayette business park.",
        [Territory], TimeZoneId, Money.Euros(2_000), Money.Euros(300), coFunding, [ProviderId], Now.AddDays(-30));

    public static OfferState OfferWith(params object[] then) => Given<OfferState>(Offer.Evolve, [Published(), .. then])!;
}
