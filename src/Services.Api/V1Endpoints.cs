using Services.Api.Admin;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Demand;
using Services.Api.Feed;
using Services.Api.Indicators;
using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.Api.Territories;
using Services.Api.Usage;

namespace Services.Api;

public static class V1Endpoints
{
    public static IEndpointRouteBuilder MapV1(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").RequireAuthorization();
        v1.MapOrganizations();
        v1.MapOffers();
        v1.MapSlots();
        v1.MapSubscriptions();
        v1.MapBookings();
        v1.MapBeneficiaries();
        v1.MapNeeds();
        v1.MapProjectionsAdmin();
        v1.MapDemand();
        v1.MapUsage();
        v1.MapIndicators();
        v1.MapTerritories();
        v1.MapChangeFeedAndWebhooks();
        return app;
    }
}
