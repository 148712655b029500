using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.Extensions.Options;
using Services.Api.Common;
using Services.Api.Infrastructure;

namespace Services.Api.Security;

public static class SecurityExtensions
{
    public static IServiceCollection AddApiKeySecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName,
                options => options.OperatorKey = configuration["Auth:OperatorKey"]);
        services.AddAuthorization();
        services.AddSettings<ApiKeyCacheOptions>(ApiKeyCacheOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ApiKeyCacheOptions>>().Value);
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<UnknownApiKeys>();
        services.AddSingleton<ApiKeyLookup>();
        services.AddSingleton<ApiKeyUses>();
        if (!Infrastructure.DatabaseExtensions.IsGeneratingDocument)
        {
            services.AddHostedService<ApiKeyRevocationListener>();
            services.AddHostedService(sp => sp.GetRequiredService<ApiKeyUses>());
        }
        return services;
    }

    /// <summary>Only these organization kinds (and the operator, who may do everything) may call the endpoint.</summary>
    public static TBuilder AllowKinds<TBuilder>(this TBuilder builder, params OrganizationKind[] kinds) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.RequireRole([.. kinds.Append(OrganizationKind.Operator).Select(k => k.ToString())]));

    /// <summary>The kinds <see cref="AllowKinds"/> let call an endpoint, as the API writes them; empty when every kind may.</summary>
    public static IReadOnlyList<string> KindsAllowed(IEnumerable<object> endpointMetadata) =>
        [.. endpointMetadata.OfType<AuthorizationPolicy>()
            .SelectMany(policy => policy.Requirements.OfType<RolesAuthorizationRequirement>())
            .SelectMany(roles => roles.AllowedRoles)
            .Select(role => Enum.TryParse<OrganizationKind>(role, out var kind) ? WireName.Of(kind) : null)
            .OfType<string>()];
}

public static class MasterKeyExtensions
{
    public static IServiceCollection AddMasterKey(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddSingleton(_ => MasterKey.From(configuration, environment, Infrastructure.DatabaseExtensions.IsGeneratingDocument));
        services.AddSingleton<SecretsRewrap>();
        if (!Infrastructure.DatabaseExtensions.IsGeneratingDocument) services.AddHostedService(sp => sp.GetRequiredService<SecretsRewrap>());
        return services;
    }

    /// <summary>Reads the master key now, so that a missing or malformed one stops the start-up instead of the first request.</summary>
    public static WebApplication UseMasterKey(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<MasterKey>().IsEphemeral && !Infrastructure.DatabaseExtensions.IsGeneratingDocument)
        {
            app.Logger.LogWarning("{Setting} is not configured: using a key for this process only; contact details and webhook secrets stored now will not open after a restart",
                MasterKey.ConfigurationKey);
        }
        return app;
    }
}
