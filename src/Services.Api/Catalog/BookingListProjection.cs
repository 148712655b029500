using Npgsql;
using Services.Api.Bookings;
using Services.Api.Offers;
using Services.Api.ReadModels;
using Services.Api.Slots;
using Services.EventStore;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Catalog;

/// <summary>
/// Shard <c>booking-list</c>: one row per booking (rm_bookings) with its lifecycle, and the club and
/// providers of its offer (from the shard's own lookup rm_booking_offers, filled from offer events),
/// the cancellations of slots (rm_booking_slot_cancellations) that the bookings they cancelled are listed with,
/// so that a list can be scoped to what each organization may see. Contact details are kept as the
/// event has them, ciphertext only: the list opens them for readers who may see them. A page's booking
/// rows are folded first (<see cref="RowFold{TRow, TChange}"/>): a booking requested and confirmed in
/// one page is one insert, and the page's changes to older bookings one update.
/// </summary>
public sealed class BookingListProjection : IProjection
{
    public string Name => CatalogReadModels.BookingListShard;

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(context);
        await using var batch = new PageBatch(context);
        var bookings = new RowFold<BookingRequested, BookingChange>(BookingChange.Merge);
        foreach (var recorded in page)
        {
            var id = EntityId(recorded.StreamId);
            switch (recorded.Data)
            {
                case OfferPublished e:
                    Insert(batch, bookings); // they read the offer as it was before this event
                    batch.Add("insert into rm_booking_offers (offer_id, club_id, provider_ids) values ($1, $2, $3)",
                        e.OfferId, e.ClubId, e.ProviderIds.ToArray());
                    break;
                case OfferRevised e:
                    Insert(batch, bookings);
                    batch.Add("update rm_booking_offers set provider_ids = $2 where offer_id = $1", id, e.ProviderIds.ToArray());
                    batch.Add("update rm_bookings set provider_ids = $2 where offer_id = $1", id, e.ProviderIds.ToArray());
                    break;
                case BookingRequested e:
                    bookings.Insert(e.BookingId, e);
                    break;
                case BookingConfirmed:
                    bookings.Change(id, new BookingChange(Wire(BookingStatus.Confirmed)));
                    break;
                case BookingWaitlisted e:
                    bookings.Change(id, new BookingChange(Wire(BookingStatus.Waitlisted), WaitlistPosition: e.Position));
                    break;
                case WaitlistJoined e:
                    // The slot's order, not the bookings': a transaction holding several bookings writes their streams by id.
                    bookings.Change(e.BookingId, new BookingChange(WaitlistedSeq: recorded.Position.GlobalPosition));
                    break;
                case BookingPromoted:
                    bookings.Change(id, new BookingChange(Wire(BookingStatus.Confirmed), PromotedAt: Utc(recorded.Timestamp)));
                    break;
                case BookingExpired:
                    bookings.Change(id, new BookingChange(Wire(BookingStatus.Expired)));
                    break;
                case BookingCancelled e:
                    bookings.Change(id, new BookingChange(Wire(BookingStatus.Cancelled), CancelReason: Wire(e.Reason)));
                    break;
                case AttendanceRecorded e:
                    bookings.Change(id, new BookingChange(Attendance: Wire(e.Outcome), AttendanceRecordedBy: e.RecordedBy, AttendanceRecordedAt: e.RecordedAt?.ToUniversalTime()));
                    break;
                case BookingRescheduled e:
                    bookings.Change(id, new BookingChange(SlotStart: Utc(e.SlotStart)));
                    break;
                case BookingContactChanged e:
                    // The one change that clears a value (removed details): its own statement, after the row's insert.
                    Insert(batch, bookings);
                    batch.Add("update rm_bookings set contact_key_id = $2, contact_ciphertext = $3 where booking_id = $1",
                        id, e.Contact?.KeyId, e.Contact?.Ciphertext);
                    break;
                case SlotCancelled e:
                    // Listed with the bookings it cancelled (their cancel_reason says which), whichever event the page applies first.
                    // Migration 0027 filled the table from every event, past this read model's position if it lagged then.
                    batch.Add("insert into rm_booking_slot_cancellations (slot_id, reason, cancelled_at) values ($1, $2, $3) on conflict (slot_id) do nothing",
                        id, e.Reason, Utc(e.CancelledAt ?? recorded.Timestamp));
                    break;
            }
        }
        Insert(batch, bookings);
        Change(batch, bookings);
        await batch.ExecuteAsync(cancellationToken);
    }

    /// <summary>The bookings requested so far in the page, with what happened to them since, in one statement.</summary>
    private static void Insert(PageBatch batch, RowFold<BookingRequested, BookingChange> bookings)
    {
        var rows = bookings.TakeInserts();
        if (rows.Count == 0) return;
        batch.Add("""
            insert into rm_bookings (booking_id, company_id, subscription_id, offer_id, club_id, provider_ids, slot_id,
                slot_start, quantity, beneficiary_ref, status, requested_at, contact_key_id, contact_ciphertext,
                waitlist_position_at_join, waitlisted_seq, promoted_at, cancel_reason, attendance, attendance_recorded_by, attendance_recorded_at)
            select b.booking_id, b.company_id, b.subscription_id, b.offer_id, o.club_id, coalesce(o.provider_ids, '{}'), b.slot_id,
                b.slot_start, b.quantity, b.beneficiary_ref, b.status, b.requested_at, b.contact_key_id, b.contact_ciphertext,
                b.waitlist_position, b.waitlisted_seq, b.promoted_at, b.cancel_reason, b.attendance, b.attendance_recorded_by, b.attendance_recorded_at
            from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $8::text[],
                        $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::int[], $14::bigint[], $15::timestamptz[], $16::text[], $17::text[],
                        $18::text[], $19::timestamptz[])
                as b(booking_id, company_id, subscription_id, offer_id, slot_id, slot_start, quantity, beneficiary_ref,
                     status, requested_at, contact_key_id, contact_ciphertext, waitlist_position, waitlisted_seq, promoted_at, cancel_reason, attendance,
                     attendance_recorded_by, attendance_recorded_at)
            left join rm_booking_offers o on o.offer_id = b.offer_id
            """,
            rows.Select(r => r.Row.BookingId).ToArray(), rows.Select(r => r.Row.CompanyId).ToArray(),
            rows.Select(r => r.Row.SubscriptionId).ToArray(), rows.Select(r => r.Row.OfferId).ToArray(),
            rows.Select(r => r.Row.SlotId).ToArray(), rows.Select(r => r.Change?.SlotStart ?? Utc(r.Row.SlotStart)).ToArray(),
            rows.Select(r => r.Row.Quantity).ToArray(), rows.Select(r => r.Row.BeneficiaryRef).ToArray(),
            rows.Select(r => r.Change?.Status ?? Wire(BookingStatus.Requested)).ToArray(), rows.Select(r => Utc(r.Row.RequestedAt)).ToArray(),
            rows.Select(r => r.Row.Contact?.KeyId).ToArray(), rows.Select(r => r.Row.Contact?.Ciphertext).ToArray(),
            rows.Select(r => r.Change?.WaitlistPosition).ToArray(), rows.Select(r => r.Change?.WaitlistedSeq).ToArray(),
            rows.Select(r => r.Change?.PromotedAt).ToArray(), rows.Select(r => r.Change?.CancelReason).ToArray(),
            rows.Select(r => r.Change?.Attendance).ToArray(), rows.Select(r => r.Change?.AttendanceRecordedBy).ToArray(),
            rows.Select(r => r.Change?.AttendanceRecordedAt).ToArray());
    }

    /// <summary>The page's changes to bookings requested in earlier pages, merged per booking, in one statement.</summary>
    private static void Change(PageBatch batch, RowFold<BookingRequested, BookingChange> bookings)
    {
        var changes = bookings.TakeChanges();
        if (changes.Count == 0) return;
        batch.Add("""
            update rm_bookings b set status = coalesce(c.status, b.status),
                waitlist_position_at_join = coalesce(c.waitlist_position, b.waitlist_position_at_join),
                waitlisted_seq = coalesce(c.waitlisted_seq, b.waitlisted_seq), promoted_at = coalesce(c.promoted_at, b.promoted_at),
                cancel_reason = coalesce(c.cancel_reason, b.cancel_reason), attendance = coalesce(c.attendance, b.attendance),
                slot_start = coalesce(c.slot_start, b.slot_start),
                attendance_recorded_by = coalesce(c.attendance_recorded_by, b.attendance_recorded_by),
                attendance_recorded_at = coalesce(c.attendance_recorded_at, b.attendance_recorded_at)
            from unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::timestamptz[], $6::text[], $7::text[], $8::timestamptz[],
                        $9::text[], $10::timestamptz[])
                as c(booking_id, status, waitlist_position, waitlisted_seq, promoted_at, cancel_reason, attendance, slot_start,
                     attendance_recorded_by, attendance_recorded_at)
            where b.booking_id = c.booking_id
            """,
            changes.Select(c => c.Id).ToArray(), changes.Select(c => c.Change.Status).ToArray(),
            changes.Select(c => c.Change.WaitlistPosition).ToArray(), changes.Select(c => c.Change.WaitlistedSeq).ToArray(),
            changes.Select(c => c.Change.PromotedAt).ToArray(), changes.Select(c => c.Change.CancelReason).ToArray(),
            changes.Select(c => c.Change.Attendance).ToArray(), changes.Select(c => c.Change.SlotStart).ToArray(),
            changes.Select(c => c.Change.AttendanceRecordedBy).ToArray(), changes.Select(c => c.Change.AttendanceRecordedAt).ToArray());
    }

    /// <summary>What booking events set on a row (null: left as it is); none clears a value.</summary>
    private sealed record BookingChange(
        string? Status = null, int? WaitlistPosition = null, long? WaitlistedSeq = null, DateTimeOffset? PromotedAt = null,
        string? CancelReason = null, string? Attendance = null, DateTimeOffset? SlotStart = null,
        string? AttendanceRecordedBy = null, DateTimeOffset? AttendanceRecordedAt = null)
    {
        /// <summary>The change <paramref name="earlier"/> then <paramref name="later"/> make together.</summary>
        public static BookingChange Merge(BookingChange earlier, BookingChange later) => new(
            later.Status ?? earlier.Status, later.WaitlistPosition ?? earlier.WaitlistPosition, later.WaitlistedSeq ?? earlier.WaitlistedSeq,
            later.PromotedAt ?? earlier.PromotedAt, later.CancelReason ?? earlier.CancelReason, later.Attendance ?? earlier.Attendance,
            later.SlotStart ?? earlier.SlotStart, later.AttendanceRecordedBy ?? earlier.AttendanceRecordedBy,
            later.AttendanceRecordedAt ?? earlier.AttendanceRecordedAt);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("truncate rm_booking_offers, rm_bookings, rm_booking_slot_cancellations", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
