using Microsoft.AspNetCore.Http.Json;
using Services.Api.Catalog;
using Services.Api.Demand;
using Services.Api.Demo;
using Services.Api.Feed;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;

namespace Services.Api;

/// <summary>Wiring of the whole API; each area registers its own endpoints in <see cref="V1Endpoints"/>.</summary>
public static class ServicesApi
{
    public const long MaxRequestBodyBytes = 256 * 1024;

    public static WebApplicationBuilder AddServicesApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestLineSize = RequestSizeLimits.ServerRequestLineBytes;
        });
        var services = builder.Services;
        services.Configure<JsonOptions>(options => Json.Configure(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Problems.GiveOurType);
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonForAnyAccept>();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddDatabase(builder.Configuration);
        services.AddApiKeySecurity(builder.Configuration);
        services.AddMasterKey(builder.Configuration, builder.Environment);
        services.AddSingleton<Beneficiaries.ContactVault>();
        services.AddApiDocument();
        services.AddKeyRateLimits();
        services.AddReverseProxies(builder.Configuration);
        services.AddProjectionDaemon();
        services.AddInsightReadModels();
        services.AddCatalogReadModels();
        services.AddChangeFeedAndWebhooks();
        services.AddDemoTerritory(builder.Configuration);
        return builder;
    }

    public static WebApplication UseServicesApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseReverseProxies();
        app.UseMasterKey();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestSizeLimits(MaxRequestBodyBytes);
        app.UseSchemaGate();
        app.UseApiDocs();
        app.UseAuthentication();
        app.UseKeyRateLimits();
        app.UseReadOnlyKeys();
        app.UseIdempotencyKeys();
        app.UseAuthorization();
        app.UseBodilessOperations();
        app.UseNullsRefusedWhereLeavingOutKeeps();
        app.UseKnownQueryParameters();
        app.MapHealth();
        app.MapApiDocument();
        app.MapV1();
        return app;
    }
}
