-- A request's idempotency key is reserved in the transaction that appends its events; its answer
-- is stored right after, and replayed to any retry with the same key and body.
create table idempotency_keys (
    organization_id text        not null,
    key             text        not null,
    request_hash    bytea,
    status          int,
    content_type    text,
    headers         jsonb,
    body            bytea,
    created_at      timestamptz not null default now(),
    primary key (organization_id, key)
);
create index idempotency_keys_created_at on idempotency_keys (created_at);
