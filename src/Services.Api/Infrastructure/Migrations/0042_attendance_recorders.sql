-- The booking list shows who recorded a booking's attendance as it stands, and when. Rows written before are set as a
-- rebuild would set them, from each booking's last booking.attendance_recorded: its recorder was always kept, its
-- instant only from November 2026 (earlier ones stay null, as getBooking shows them).
alter table rm_bookings add column if not exists attendance_recorded_by text,
    add column if not exists attendance_recorded_at timestamptz;

update rm_bookings b set attendance_recorded_by = a.recorded_by, attendance_recorded_at = a.recorded_at
from (
    select distinct on (e.stream_id) substr(e.stream_id, length('booking-') + 1) as booking_id,
           e.data->>'recordedBy' as recorded_by, (e.data->>'recordedAt')::timestamptz as recorded_at
    from es_events e
    where e.event_type = 'booking.attendance_recorded'
    order by e.stream_id, e.stream_version desc
) a
where b.booking_id = a.booking_id and b.attendance_recorded_by is null;
