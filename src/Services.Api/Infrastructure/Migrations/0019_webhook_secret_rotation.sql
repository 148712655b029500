-- A rotated webhook secret keeps signing deliveries beside the new one until previous_secret_until,
-- so that receivers switch without refusing a delivery.
alter table webhooks add column previous_sealed_secret bytea, add column previous_secret_until timestamptz;
