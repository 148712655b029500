using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.Slots;
using Services.Api.Bookings;
using Services.Api.Organizations;
using Services.Api.Subscriptions;

namespace Services.Api;

public static class V1Endpoints
{
    public static IEndpointRouteBuilder MapV1(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").RequireAuthorization();
        v1.MapOrganizations();
        v1.MapNeeds();
        v1.MapSubscriptions();
        v1.MapBookings();
        v1.MapOffers().MapSlots();
        return app;
    }
}
