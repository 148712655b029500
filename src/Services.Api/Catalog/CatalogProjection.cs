using Npgsql;
using Services.Api.Offers;
using Services.Api.Slots;
using Services.EventStore;
using Services.EventStore.Projections;
using static Services.Api.Listings.ReadModelValues;

namespace Services.Api.Listings;

/// <summary>
/// Shard <c>catalog</c>: offers (rm_catalog_offers) and slots with their availability (rm_catalog_slots),
/// from offer and slot events. The seats each booking holds or waits for are mirrored in
/// rm_catalog_slot_entries so that reserved units and waitlist length are recounted, never drifted.
/// Keeps <see cref="AvailabilityCache"/> in step with its rows.
/// </summary>
public sealed class CatalogProjection(AvailabilityCache availability) : IProjection, IShardObserver
{
    public string Name => CatalogReadModels.CatalogShard;

    /// <summary>
    /// Recounts the slots whose entries the page changed, once each, after all of the page's entry
    /// changes: the counts depend only on the entries, so this equals recounting after every event,
    /// with one statement per page instead of one per seat event.
    /// </summary>
    private const string Recount = """
        update rm_catalog_slots s set
            reserved = coalesce((select sum(quantity) from rm_catalog_slot_entries e where e.slot_id = s.slot_id and e.kind = 'confirmed'), 0),
            waitlist_length = (select count(*) from rm_catalog_slot_entries e where e.slot_id = s.slot_id and e.kind = 'waitlisted')
        where s.slot_id = any($1)
        """;

    /// <summary>A page's seats held or waited for, in one statement (see <see cref="BookingEntryUpserts"/>).</summary>
    private const string Enter = """
        insert into rm_catalog_slot_entries (slot_id, booking_id, kind, quantity)
        select * from unnest($1::text[], $2::text[], $3::text[], $4::int[])
        on conflict (slot_id, booking_id) do update set kind = excluded.kind, quantity = excluded.quantity
        """;

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(context);
        await using var batch = new PageBatch(context);
        var recount = new HashSet<string>(StringComparer.Ordinal);
        var entries = new BookingEntryUpserts(Enter);
        foreach (var recorded in page)
        {
            var id = EntityId(recorded.StreamId);
            // Entries leave the run of upserts only for another write to the entries, kept in feed order.
            if (recorded.Data is SlotCancelled or SeatReleased or WaitlistLeft or WaitlistExpired) entries.Flush(batch);
            switch (recorded.Data)
            {
                case OfferPublished e:
                    batch.Add("""
                        insert into rm_catalog_offers (offer_id, club_id, category, title, description, territories, time_zone,
                            monthly_fee_amount, monthly_fee_currency, unit_price_amount, unit_price_currency,
                            co_funding_partner_id, co_funding_share_basis_points, provider_ids, status, published_at)
                        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text, $13::int, $14, 'active', $15)
                        """,
                        e.OfferId, e.ClubId, Wire(e.Category), e.Title, e.Description, e.Territories.ToArray(), e.TimeZone,
                        e.MonthlyFee.Amount, e.MonthlyFee.Currency, e.UnitPrice.Amount, e.UnitPrice.Currency,
                        e.CoFunding?.PartnerId, e.CoFunding?.ShareBasisPoints, e.ProviderIds.ToArray(), Utc(e.PublishedAt));
                    break;
                case OfferRevised e:
                    batch.Add("""
                        update rm_catalog_offers set title = $2, description = $3, territories = $4,
                            monthly_fee_amount = $5, monthly_fee_currency = $6, unit_price_amount = $7, unit_price_currency = $8,
                            co_funding_partner_id = $9::text, co_funding_share_basis_points = $10::int, provider_ids = $11
                        where offer_id = $1
                        """,
                        id, e.Title, e.Description, e.Territories.ToArray(), e.MonthlyFee.Amount, e.MonthlyFee.Currency,
                        e.UnitPrice.Amount, e.UnitPrice.Currency, e.CoFunding?.PartnerId, e.CoFunding?.ShareBasisPoints, e.ProviderIds.ToArray());
                    break;
                case OfferSuspended:
                    batch.Add("update rm_catalog_offers set status = $2 where offer_id = $1", id, Wire(OfferStatus.Suspended));
                    break;
                case OfferResumed:
                    batch.Add("update rm_catalog_offers set status = $2 where offer_id = $1", id, Wire(OfferStatus.Active));
                    break;
                case OfferWithdrawn:
                    batch.Add("update rm_catalog_offers set status = $2 where offer_id = $1", id, Wire(OfferStatus.Withdrawn));
                    break;
                case SlotScheduled e:
                    batch.Add("""
                        insert into rm_catalog_slots (slot_id, offer_id, start_at, end_at, capacity, reserved, waitlist_length, status)
                        values ($1, $2, $3, $4, $5, 0, 0, $6)
                        """, e.SlotId, e.OfferId, Utc(e.Start), Utc(e.End), e.Capacity, SlotStatusOf(cancelled: false));
                    break;
                case SlotCapacityChanged e:
                    batch.Add("update rm_catalog_slots set capacity = $2 where slot_id = $1", id, e.Capacity);
                    break;
                case SlotCancelled:
                    batch.Add("delete from rm_catalog_slot_entries where slot_id = $1", id);
                    batch.Add("update rm_catalog_slots set status = $2 where slot_id = $1", id, SlotStatusOf(cancelled: true));
                    recount.Add(id);
                    break;
                case SeatReserved e:
                    entries.Add(id, e.BookingId, "confirmed", e.Quantity);
                    recount.Add(id);
                    break;
                case SeatReleased e:
                    batch.Add("delete from rm_catalog_slot_entries where slot_id = $1 and booking_id = $2", id, e.BookingId);
                    recount.Add(id);
                    break;
                case WaitlistJoined e:
                    entries.Add(id, e.BookingId, "waitlisted", e.Quantity);
                    recount.Add(id);
                    break;
                case WaitlistLeft e:
                    batch.Add("delete from rm_catalog_slot_entries where slot_id = $1 and booking_id = $2 and kind = 'waitlisted'", id, e.BookingId);
                    recount.Add(id);
                    break;
                case WaitlistPromoted e:
                    entries.Add(id, e.BookingId, "confirmed", e.Quantity);
                    recount.Add(id);
                    break;
                case WaitlistExpired e:
                    batch.Add("delete from rm_catalog_slot_entries where slot_id = $1 and booking_id = any($2) and kind = 'waitlisted'", id, e.BookingIds.ToArray());
                    recount.Add(id);
                    break;
            }
        }
        entries.Flush(batch);
        if (recount.Count > 0) batch.Add(Recount, (object)recount.Order(StringComparer.Ordinal).ToArray()); // one text[] parameter, not params
        await batch.ExecuteAsync(cancellationToken);
    }

    public void Running(FeedPosition position) => availability.Running(position);

    public void PageApplying(IReadOnlyList<RecordedEvent> page) => availability.PageApplying(page);

    public void PageApplied(FeedPosition position) => availability.PageApplied(position);

    public void NotRunning() => availability.NotRunning();

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("truncate rm_catalog_offers, rm_catalog_slots, rm_catalog_slot_entries", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
