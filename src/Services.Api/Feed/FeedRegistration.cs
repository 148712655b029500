using Services.Api.ReadModels;
using Services.Api.Webhooks;

namespace Services.Api.Feed;

/// <summary>The change feed (shard 'feed') and webhooks (tables, shard 'webhook-outbox', delivery worker).</summary>
public static class FeedRegistration
{
    public const string FeedShard = "feed";
    public const string OutboxShard = "webhook-outbox";

    public static IServiceCollection AddChangeFeedAndWebhooks(this IServiceCollection services)
    {
        services.AddProjection<FeedProjection>();
        services.AddWebhooks();
        return services;
    }

    public static IEndpointRouteBuilder MapChangeFeedAndWebhooks(this IEndpointRouteBuilder v1)
    {
        v1.MapListEvents();
        v1.MapWebhooks();
        return v1;
    }
}
