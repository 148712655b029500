using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.EventStore.Projections;

namespace Services.Api.Catalog;

/// <summary>The shards of the catalog and the lists of bookings, subscriptions and needs, and the reactions that read them (waitlist expiry and promotion, the subscriptions of withdrawn offers).</summary>
public static class CatalogReadModels
{
    public const string CatalogShard = "catalog";
    public const string BookingListShard = "booking-list";
    public const string SubscriptionListShard = "subscription-list";
    public const string NeedListShard = "need-list";

    public static IServiceCollection AddCatalogReadModels(this IServiceCollection services)
    {
        services.AddSingleton<AvailabilityCache>();
        services.AddProjection<CatalogProjection>();
        services.AddProjection<BookingListProjection>();
        services.AddProjection<SubscriptionListProjection>();
        services.AddProjection<NeedListProjection>();
        services.AddSettings<ReactionOptions>(ReactionOptions.Section);
        services.AddReaction<WaitlistExpiry>();
        services.AddReaction<StoppedSubscriptions>();
        services.AddReaction<WaitlistPromotion>();
        return services;
    }

    /// <summary>One instance, which tests may run by hand, and (unless the document is being generated) its periodic runs.</summary>
    private static void AddReaction<TReaction>(this IServiceCollection services) where TReaction : PeriodicReaction
    {
        services.AddSingleton<TReaction>();
        if (!DatabaseExtensions.IsGeneratingDocument) services.AddHostedService(sp => sp.GetRequiredService<TReaction>());
    }
}

/// <summary>
/// A page's run of upserts into a table keyed by (owner, booking) with a text value and a quantity,
/// written as one statement from arrays instead of one per event. Within a run the last upsert of a
/// key wins, as it would one by one; any other write to the table must <see cref="Flush"/> the run
/// first, so that statements on the table still apply in feed order.
/// </summary>
/// <param name="sql">The upsert, reading <c>unnest($1::text[], $2::text[], $3::text[], $4::int[])</c>: owner, booking, value, quantity.</param>
internal sealed class BookingEntryUpserts(string sql)
{
    private readonly Dictionary<(string Owner, string BookingId), (string Value, int Quantity)> _rows = [];

    public void Add(string owner, string bookingId, string value, int quantity) => _rows[(owner, bookingId)] = (value, quantity);

    public void Flush(PageBatch batch)
    {
        if (_rows.Count == 0) return;
        batch.Add(sql,
            _rows.Keys.Select(k => k.Owner).ToArray(), _rows.Keys.Select(k => k.BookingId).ToArray(),
            _rows.Values.Select(v => v.Value).ToArray(), _rows.Values.Select(v => v.Quantity).ToArray());
        _rows.Clear();
    }
}
