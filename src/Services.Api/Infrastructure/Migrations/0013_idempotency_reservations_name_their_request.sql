-- A reservation names the request that made it (its trace identifier, as the events' correlation
-- id): only that request completes it with its answer. A retry that ran alongside and wrote nothing
-- (a refusal, a no-op) no longer replaces the first request's answer with its own.
alter table idempotency_keys add column request_id text;
