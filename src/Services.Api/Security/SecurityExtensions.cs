using Services.Api.Common;

namespace Services.Api.Security;

public static class SecurityExtensions
{
    public static IServiceCollection AddApiKeySecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName,
                options => options.OperatorKey = configuration["Auth:OperatorKey"]);
        services.AddAuthorization();
        return services;
    }

    /// <summary>Only these organization kinds (and the operator, who may do everything) may call the endpoint.</summary>
    public static TBuilder AllowKinds<TBuilder>(this TBuilder builder, params OrganizationKind[] kinds) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.RequireRole([.. kinds.Append(OrganizationKind.Operator).Select(k => k.ToString())]));
}
