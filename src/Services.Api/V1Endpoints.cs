using Services.Api.Organizations;

namespace Services.Api;

public static class V1Endpoints
{
    public static IEndpointRouteBuilder MapV1(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").RequireAuthorization();
        v1.MapOrganizations();
        return app;
    }
}
