-- A webhook switched off (PATCH status: disabled) keeps its id, secret and deliveries: disabled_at is when, null while
-- it is enabled. The outbox queues nothing for it and the worker sends none of its deliveries until it is enabled again.
alter table webhooks add column if not exists disabled_at timestamptz;
