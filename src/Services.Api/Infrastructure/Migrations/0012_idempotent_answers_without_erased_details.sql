-- A stored answer that shows a beneficiary's contact details is kept twice: whole (while the
-- beneficiary's data key exists) and with the details erased. Erasing the beneficiary drops the
-- whole copies in its own transaction, so a retry never brings back what was erased.
alter table idempotency_keys add column data_key_id text, add column whole_body bytea;
create index idempotency_keys_data_key on idempotency_keys (data_key_id) where whole_body is not null;
