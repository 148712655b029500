-- A cancelled slot shows why and when its club cancelled it, in the catalog and with the bookings it cancelled.
-- Rows written before are set as a rebuild would set them: a cancellation recorded before its event carried
-- its instant (cancelledAt) was cancelled when it was recorded. A cancellation that a node on older code applies
-- after this migration lacks its reason in both tables until booking-list and catalog are rebuilt (upgrade every
-- node together, as the README says); the slot's status still shows it cancelled.
alter table rm_catalog_slots add column if not exists cancel_reason text, add column if not exists cancelled_at timestamptz;

-- booking-list: the cancellations of slots, listed with the bookings they cancelled (cancel_reason 'slot_cancelled').
create table if not exists rm_booking_slot_cancellations (
    slot_id      text        primary key,
    reason       text        not null,
    cancelled_at timestamptz not null
);

create temporary table slot_cancellations on commit drop as
select substr(e.stream_id, length('slot-') + 1) as slot_id, e.data->>'reason' as reason,
       coalesce((e.data->>'cancelledAt')::timestamptz, e.created_at) as cancelled_at
from es_events e
where e.event_type = 'slot.cancelled';

update rm_catalog_slots s set cancel_reason = c.reason, cancelled_at = c.cancelled_at
from slot_cancellations c
where s.slot_id = c.slot_id and s.status = 'cancelled' and (s.cancel_reason, s.cancelled_at) is distinct from (c.reason, c.cancelled_at);

insert into rm_booking_slot_cancellations (slot_id, reason, cancelled_at)
select slot_id, reason, cancelled_at from slot_cancellations
on conflict (slot_id) do nothing;
