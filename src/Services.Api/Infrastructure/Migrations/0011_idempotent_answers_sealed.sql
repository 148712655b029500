-- Stored answers are replayed to a retry, and some carry what must not rest in clear: an API key's
-- token, a webhook's signing secret, a beneficiary's contact details. They are now sealed with the
-- master key (bound to the organization and the idempotency key). Answers stored before stay as
-- they are until their retention ends.
alter table idempotency_keys add column body_sealed boolean not null default false;
