-- A transaction's events share its instant (created_at): their position in the feed orders their
-- deliveries among themselves. Deliveries queued before have none and keep their former order.
alter table webhook_deliveries add column event_position bigint;
