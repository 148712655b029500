using Npgsql;
using Services.Api.Offers;
using Services.Api.ReadModels;
using Services.Api.Subscriptions;
using Services.EventStore;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Catalog;

/// <summary>
/// Shard <c>subscription-list</c>: one row per subscription (rm_subscriptions) and the units each booking
/// took from its quota (rm_subscription_units); the offer's time zone (quota months follow its calendar)
/// comes from the shard's own lookup rm_subscription_offers.
/// </summary>
public sealed class SubscriptionListProjection : IProjection
{
    public string Name => CatalogReadModels.SubscriptionListShard;

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(context);
        await using var batch = new PageBatch(context);
        var units = new BookingEntryUpserts("""
            insert into rm_subscription_units (subscription_id, booking_id, month, quantity)
            select * from unnest($1::text[], $2::text[], $3::text[], $4::int[])
            on conflict (subscription_id, booking_id) do update set month = excluded.month, quantity = excluded.quantity
            """);
        foreach (var recorded in page)
        {
            var id = EntityId(recorded.StreamId);
            switch (recorded.Data)
            {
                case OfferPublished e:
                    batch.Add("insert into rm_subscription_offers (offer_id, time_zone) values ($1, $2)", e.OfferId, e.TimeZone);
                    break;
                case Subscribed e:
                    batch.Add("""
                        insert into rm_subscriptions (subscription_id, company_id, offer_id, club_id, monthly_quota, starts_on, ends_on,
                            status, time_zone, subscribed_at)
                        select $1, $2, $3, $4, $5, $6, null, $7, coalesce(o.time_zone, 'UTC'), $8
                        from (select 1) one left join rm_subscription_offers o on o.offer_id = $3
                        """,
                        e.SubscriptionId, e.CompanyId, e.OfferId, e.ClubId, e.MonthlyQuota, e.StartsOn,
                        Wire(SubscriptionStatus.Active), Utc(e.SubscribedAt));
                    break;
                case QuotaChanged e:
                    batch.Add("update rm_subscriptions set monthly_quota = $2 where subscription_id = $1", id, e.MonthlyQuota);
                    break;
                case SubscriptionCancelled e:
                    batch.Add("update rm_subscriptions set ends_on = $2, status = $3, end_reason = $4 where subscription_id = $1",
                        id, e.EndsOn, Wire(SubscriptionStatus.Cancelled), e.Reason is { } reason ? Wire(reason) : null);
                    break;
                case UnitsCounted e:
                    units.Add(id, e.BookingId, e.Month, e.Quantity);
                    break;
                case UnitsReleased e:
                    units.Flush(batch); // in feed order with the page's earlier counts
                    batch.Add("delete from rm_subscription_units where subscription_id = $1 and booking_id = $2", id, e.BookingId);
                    break;
            }
        }
        units.Flush(batch);
        await batch.ExecuteAsync(cancellationToken);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("truncate rm_subscription_offers, rm_subscriptions, rm_subscription_units", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
