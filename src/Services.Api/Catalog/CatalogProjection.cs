using Npgsql;
using Services.Api.Offers;
using Services.Api.ReadModels;
using Services.Api.Slots;
using Services.EventStore;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Catalog;

/// <summary>
/// Shard <c>catalog</c>: offers (rm_catalog_offers) and slots with their availability (rm_catalog_slots),
/// from offer and slot events. The seats each booking holds or waits for are mirrored in
/// rm_catalog_slot_entries. A slot's reserved units and waitlist length move by what its entry rows
/// became less what they were, read by the statement that changes them: a seat event repeated, or
/// about an entry the slot no longer has, moves nothing, and the cost does not grow with the slot's
/// bookings as a recount's did (~100 us of PostgreSQL per booking on the bench's 1,000-seat slots).
/// Keeps <see cref="AvailabilityCache"/> in step with its rows.
/// </summary>
public sealed class CatalogProjection(AvailabilityCache availability) : IProjection, IShardObserver
{
    public string Name => CatalogReadModels.CatalogShard;

    /// <summary>
    /// A page's seats held or waited for, in one statement (see <see cref="BookingEntryUpserts"/>),
    /// and the slots' counts moved by what the entries became less what they were. Every statement
    /// runs on one snapshot, so <c>replaced</c> reads the entries as they were before the upsert.
    /// </summary>
    private const string Enter = """
        with page_entries (slot_id, booking_id, kind, quantity) as (select * from unnest($1::text[], $2::text[], $3::text[], $4::int[])),
        replaced as (
            select e.slot_id, e.kind, e.quantity from rm_catalog_slot_entries e join page_entries p using (slot_id, booking_id)),
        entered as (
            insert into rm_catalog_slot_entries (slot_id, booking_id, kind, quantity) select * from page_entries
            on conflict (slot_id, booking_id) do update set kind = excluded.kind, quantity = excluded.quantity
            returning slot_id, kind, quantity),
        changes as (
            select slot_id, kind, quantity, 1 as sign from entered
            union all
            select slot_id, kind, quantity, -1 from replaced)
        update rm_catalog_slots s set reserved = s.reserved + d.reserved, waitlist_length = s.waitlist_length + d.waiting
        from (select slot_id,
                coalesce(sum(sign * quantity) filter (where kind = 'confirmed'), 0) as reserved,
                coalesce(sum(sign) filter (where kind = 'waitlisted'), 0) as waiting
            from changes group by slot_id) d
        where s.slot_id = d.slot_id and (d.reserved <> 0 or d.waiting <> 0)
        """;

    /// <summary>Deletes the entries <paramref name="condition"/> selects, and takes them off their slots' counts.</summary>
    private static string Remove(string condition) => $"""
        with removed as (delete from rm_catalog_slot_entries where {condition} returning slot_id, kind, quantity)
        update rm_catalog_slots s set reserved = s.reserved - d.reserved, waitlist_length = s.waitlist_length - d.waiting
        from (select slot_id,
                coalesce(sum(quantity) filter (where kind = 'confirmed'), 0) as reserved,
                count(*) filter (where kind = 'waitlisted') as waiting
            from removed group by slot_id) d
        where s.slot_id = d.slot_id
        """;

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(context);
        await using var batch = new PageBatch(context);
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
                        """, e.SlotId, e.OfferId, Utc(e.Start), Utc(e.End), e.Capacity, Wire(SlotStatus.Scheduled));
                    break;
                case SlotCapacityChanged e:
                    batch.Add("update rm_catalog_slots set capacity = $2 where slot_id = $1", id, e.Capacity);
                    break;
                case SlotRescheduled e:
                    batch.Add("update rm_catalog_slots set start_at = $2, end_at = $3 where slot_id = $1", id, Utc(e.Start), Utc(e.End));
                    break;
                case SlotCancelled e:
                    batch.Add(Remove("slot_id = $1"), id);
                    batch.Add("update rm_catalog_slots set status = $2, cancel_reason = $3, cancelled_at = $4 where slot_id = $1",
                        id, Wire(SlotStatus.Cancelled), e.Reason, Utc(e.CancelledAt ?? recorded.Timestamp));
                    break;
                case SeatReserved e:
                    entries.Add(id, e.BookingId, "confirmed", e.Quantity);
                    break;
                case SeatReleased e:
                    batch.Add(Remove("slot_id = $1 and booking_id = $2"), id, e.BookingId);
                    break;
                case WaitlistJoined e:
                    entries.Add(id, e.BookingId, "waitlisted", e.Quantity);
                    break;
                case WaitlistLeft e:
                    batch.Add(Remove("slot_id = $1 and booking_id = $2 and kind = 'waitlisted'"), id, e.BookingId);
                    break;
                case WaitlistPromoted e:
                    entries.Add(id, e.BookingId, "confirmed", e.Quantity);
                    break;
                case WaitlistExpired e:
                    batch.Add(Remove("slot_id = $1 and booking_id = any($2) and kind = 'waitlisted'"), id, e.BookingIds.ToArray());
                    break;
            }
        }
        entries.Flush(batch);
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
