-- Personal data and secrets at rest.

-- One data key per beneficiary (company + its beneficiaryRef), wrapped (AES-GCM) by the master key
-- from configuration. Contact details in events are sealed with it; erasing the beneficiary deletes
-- the row, which makes every copy of those details unreadable (crypto-shredding).
create table beneficiary_keys (
    key_id          text        primary key,
    company_id      text        not null,
    beneficiary_ref text        not null,
    wrapped_key     bytea       not null,
    created_at      timestamptz not null default now(),
    unique (company_id, beneficiary_ref)
);

-- The booking list keeps contact details as the events have them: ciphertext and its key id.
alter table rm_bookings add column contact_key_id text, add column contact_ciphertext text;

-- Audience of beneficiary.erased: the offers each beneficiary was booked on with contact details,
-- in feed order (shard 'feed' and shard 'webhook-outbox' each keep their own copy).
create table rm_feed_beneficiaries (
    company_id      text   not null,
    beneficiary_ref text   not null,
    offer_ids       text[] not null,
    primary key (company_id, beneficiary_ref)
);
create table rm_outbox_beneficiaries (like rm_feed_beneficiaries including all);

-- Webhook signing secrets are kept wrapped by the master key (bound to the webhook id), opened only
-- to sign a delivery. Secrets stored in clear before this migration are wrapped at start-up
-- (WebhookSecrets), which then empties the clear column.
alter table webhooks add column sealed_secret bytea, alter column secret drop not null;
