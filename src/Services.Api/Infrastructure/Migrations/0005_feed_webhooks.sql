-- Change feed (shard 'feed') and webhooks (tables + outbox shard 'webhook-outbox').

-- Audience lookups: each shard keeps its own copy (a shard reads only its own tables), filled
-- from the events in feed order. Prefix rm_feed_ for shard 'feed', rm_outbox_ for 'webhook-outbox'.
create table rm_feed_offers (offer_id text primary key, club_id text not null, provider_ids text[] not null);
create table rm_feed_slots (slot_id text primary key, offer_id text not null);
create table rm_feed_subscriptions (subscription_id text primary key, company_id text not null, club_id text not null);
create table rm_feed_bookings (booking_id text primary key, company_id text not null, offer_id text not null);
create table rm_feed_needs (need_id text primary key, company_id text not null, territory text not null);

create table rm_outbox_offers (offer_id text primary key, club_id text not null, provider_ids text[] not null);
create table rm_outbox_slots (slot_id text primary key, offer_id text not null);
create table rm_outbox_subscriptions (subscription_id text primary key, company_id text not null, club_id text not null);
create table rm_outbox_bookings (booking_id text primary key, company_id text not null, offer_id text not null);
create table rm_outbox_needs (need_id text primary key, company_id text not null, territory text not null);

-- One row per (audience key, event): audience is an organization id, '*' (every organization) or
-- 'territory:<slug>' (clubs and partners of that territory). Written in feed order, one page per
-- transaction, so a row never becomes visible behind one already visible (see FeedProjection).
create table rm_feed (
    audience        text   not null,
    transaction_id  xid8   not null,
    global_position bigint not null,
    event_id        uuid   not null,
    primary key (audience, transaction_id, global_position)
);

-- Webhooks are configuration, not domain events: the secret never enters the event store.
create table webhooks (
    webhook_id      text        primary key,
    organization_id text        not null,
    sees_all        boolean     not null,          -- the operator's webhooks get every event
    audience_keys   text[]      not null,          -- the organization's audience keys (EventAudience.KeysOf)
    url             text        not null,
    event_types     text[]      not null,          -- exact names or '<stream>.*' or '*'
    description     text,
    secret          text        not null,
    after_xid       xid8        not null,          -- only events after the feed head at creation
    after_position  bigint      not null,
    created_at      timestamptz not null,
    deleted_at      timestamptz
);
create index webhooks_organization on webhooks (organization_id, created_at desc, webhook_id desc) where deleted_at is null;

-- The outbox: one row per (webhook, event), written by shard 'webhook-outbox' in the page's
-- transaction; sent by WebhookDeliveryWorker. Never truncated by a rebuild (no resends).
create table webhook_deliveries (
    delivery_id      text        primary key,
    webhook_id       text        not null references webhooks (webhook_id),
    event_id         uuid        not null,
    event_type       text        not null,
    body             text        not null,     -- the exact JSON sent (signed with the timestamp)
    status           text        not null,     -- pending | delivered | failed
    attempts         int         not null default 0,
    schedule_start   int         not null default 0, -- attempts before the last redelivery
    next_attempt_at  timestamptz,
    last_status_code int,
    last_error       text,
    created_at       timestamptz not null,     -- the event's time
    delivered_at     timestamptz,
    unique (webhook_id, event_id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_list on webhook_deliveries (webhook_id, created_at desc, delivery_id desc);

create table webhook_attempts (
    delivery_id  text        not null references webhook_deliveries (delivery_id),
    attempt      int         not null,
    attempted_at timestamptz not null,
    status_code  int,
    duration_ms  int         not null,
    error        text,
    primary key (delivery_id, attempt)
);
