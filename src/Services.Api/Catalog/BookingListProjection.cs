using Npgsql;
using Services.Api.Bookings;
using Services.Api.Offers;
using Services.EventStore;
using Services.EventStore.Projections;
using static Services.Api.Listings.ReadModelValues;

namespace Services.Api.Listings;

/// <summary>
/// Shard <c>booking-list</c>: one row per booking (rm_bookings) with its lifecycle, and the club and
/// providers of its offer (from the shard's own lookup rm_booking_offers, filled from offer events),
/// so that a list can be scoped to what each organization may see. Contact details are kept as the
/// event has them, ciphertext only: the list opens them for readers who may see them.
/// </summary>
public sealed class BookingListProjection : IProjection
{
    public string Name => CatalogReadModels.BookingListShard;

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(context);
        await using var batch = new PageBatch(context);
        foreach (var recorded in page)
        {
            var id = EntityId(recorded.StreamId);
            switch (recorded.Data)
            {
                case OfferPublished e:
                    batch.Add("insert into rm_booking_offers (offer_id, club_id, provider_ids) values ($1, $2, $3)",
                        e.OfferId, e.ClubId, e.ProviderIds.ToArray());
                    break;
                case OfferRevised e:
                    batch.Add("update rm_booking_offers set provider_ids = $2 where offer_id = $1", id, e.ProviderIds.ToArray());
                    batch.Add("update rm_bookings set provider_ids = $2 where offer_id = $1", id, e.ProviderIds.ToArray());
                    break;
                case BookingRequested e:
                    batch.Add("""
                        insert into rm_bookings (booking_id, company_id, subscription_id, offer_id, club_id, provider_ids, slot_id,
                            slot_start, quantity, beneficiary_ref, status, requested_at, contact_key_id, contact_ciphertext)
                        select $1, $2, $3, $4, o.club_id, coalesce(o.provider_ids, '{}'), $5, $6, $7, $8, $9, $10, $11::text, $12::text
                        from (select 1) one left join rm_booking_offers o on o.offer_id = $4
                        """,
                        e.BookingId, e.CompanyId, e.SubscriptionId, e.OfferId, e.SlotId, Utc(e.SlotStart), e.Quantity, e.BeneficiaryRef,
                        Wire(BookingStatus.Requested), Utc(e.RequestedAt), e.Contact?.KeyId, e.Contact?.Ciphertext);
                    break;
                case BookingConfirmed:
                    batch.Add("update rm_bookings set status = $2 where booking_id = $1", id, Wire(BookingStatus.Confirmed));
                    break;
                case BookingWaitlisted e:
                    batch.Add("update rm_bookings set status = $2, waitlist_position_at_join = $3, waitlisted_seq = $4 where booking_id = $1",
                        id, Wire(BookingStatus.Waitlisted), e.Position, recorded.Position.GlobalPosition);
                    break;
                case BookingPromoted:
                    batch.Add("update rm_bookings set status = $2, promoted_at = $3 where booking_id = $1",
                        id, Wire(BookingStatus.Confirmed), Utc(recorded.Timestamp));
                    break;
                case BookingExpired:
                    batch.Add("update rm_bookings set status = $2 where booking_id = $1", id, Wire(BookingStatus.Expired));
                    break;
                case BookingCancelled e:
                    batch.Add("update rm_bookings set status = $2, cancel_reason = $3 where booking_id = $1", id, Wire(BookingStatus.Cancelled), e.Reason);
                    break;
                case AttendanceRecorded e:
                    batch.Add("update rm_bookings set attendance = $2 where booking_id = $1", id, Wire(e.Outcome));
                    break;
            }
        }
        await batch.ExecuteAsync(cancellationToken);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("truncate rm_booking_offers, rm_bookings", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
