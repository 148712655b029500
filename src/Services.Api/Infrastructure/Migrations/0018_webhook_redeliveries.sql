-- Redeliveries asked of a delivery so far: an attempt in flight when one is asked sees the count moved
-- when it records its outcome, and leaves the new schedule alone.
alter table webhook_deliveries add column redeliveries int not null default 0;
