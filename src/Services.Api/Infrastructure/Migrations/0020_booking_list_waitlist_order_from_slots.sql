-- The booking list orders a slot's waitlist by the slot's slot.waitlist_joined events, which follow the
-- slot's order; rows written before took the booking's own event, which a transaction holding several
-- bookings writes in id order. They are set as a rebuild would set them.
update rm_bookings b set waitlisted_seq = j.global_position
from es_events j
where j.event_type = 'slot.waitlist_joined' and j.data->>'bookingId' = b.booking_id and b.waitlisted_seq is distinct from j.global_position;
