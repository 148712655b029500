-- Read models of the catalog (shard 'catalog'), booking list ('booking-list'), subscription list
-- ('subscription-list') and need list ('need-list'). Each shard writes and reads only its own tables;
-- lookups it needs from other streams are kept in its own small tables (rm_booking_offers, rm_subscription_offers).
-- Projections truncate them on rebuild.

-- catalog ---------------------------------------------------------------------------------------
create table rm_catalog_offers (
    offer_id                      text        primary key,
    club_id                       text        not null,
    category                      text        not null,
    title                         text        not null,
    description                   text        not null,
    territories                   text[]      not null,
    time_zone                     text        not null,
    monthly_fee_amount            bigint      not null,
    monthly_fee_currency          text        not null,
    unit_price_amount             bigint      not null,
    unit_price_currency           text        not null,
    co_funding_partner_id         text,
    co_funding_share_basis_points int,
    provider_ids                  text[]      not null,
    status                        text        not null,
    published_at                  timestamptz not null
);
create index rm_catalog_offers_newest on rm_catalog_offers (published_at desc, offer_id desc);
create index rm_catalog_offers_territories on rm_catalog_offers using gin (territories);

create table rm_catalog_slots (
    slot_id         text        primary key,
    offer_id        text        not null,
    start_at        timestamptz not null,
    end_at          timestamptz not null,
    capacity        int         not null,
    reserved        int         not null default 0,
    waitlist_length int         not null default 0,
    status          text        not null
);
create index rm_catalog_slots_offer on rm_catalog_slots (offer_id, start_at, slot_id);
-- Candidates of the waitlist-expiry reaction.
create index rm_catalog_slots_waiting on rm_catalog_slots (start_at) where waitlist_length > 0;

-- What holds or waits for seats of each slot (mirrors the slot stream, so counts stay exact).
create table rm_catalog_slot_entries (
    slot_id    text not null,
    booking_id text not null,
    kind       text not null, -- confirmed | waitlisted
    quantity   int  not null,
    primary key (slot_id, booking_id)
);

-- booking-list ----------------------------------------------------------------------------------
create table rm_booking_offers (
    offer_id     text   primary key,
    club_id      text   not null,
    provider_ids text[] not null
);

create table rm_bookings (
    booking_id                text        primary key,
    company_id                text        not null,
    subscription_id           text        not null,
    offer_id                  text        not null,
    club_id                   text,
    provider_ids              text[]      not null,
    slot_id                   text        not null,
    slot_start                timestamptz not null,
    quantity                  int         not null,
    beneficiary_ref           text        not null,
    status                    text        not null, -- requested | confirmed | waitlisted | expired | cancelled
    attendance                text,                 -- attended | no_show, once recorded
    waitlist_position_at_join int,
    waitlisted_seq            bigint,               -- feed position of joining the waitlist: the waitlist's order
    promoted_at               timestamptz,
    cancel_reason             text,
    requested_at              timestamptz not null
);
create index rm_bookings_newest on rm_bookings (requested_at desc, booking_id desc);
create index rm_bookings_company on rm_bookings (company_id, requested_at desc, booking_id desc);
create index rm_bookings_club on rm_bookings (club_id, requested_at desc, booking_id desc);
create index rm_bookings_providers on rm_bookings using gin (provider_ids);
create index rm_bookings_offer on rm_bookings (offer_id);
create index rm_bookings_slot on rm_bookings (slot_id, status, waitlisted_seq);

-- subscription-list -----------------------------------------------------------------------------
create table rm_subscription_offers (
    offer_id  text primary key,
    time_zone text not null
);

create table rm_subscriptions (
    subscription_id text        primary key,
    company_id      text        not null,
    offer_id        text        not null,
    club_id         text        not null,
    monthly_quota   int         not null,
    starts_on       date        not null,
    ends_on         date,
    status          text        not null, -- active | cancelled
    time_zone       text        not null, -- the offer's, for quota months
    subscribed_at   timestamptz not null
);
create index rm_subscriptions_newest on rm_subscriptions (subscribed_at desc, subscription_id desc);
create index rm_subscriptions_company on rm_subscriptions (company_id, subscribed_at desc, subscription_id desc);
create index rm_subscriptions_club on rm_subscriptions (club_id, subscribed_at desc, subscription_id desc);

create table rm_subscription_units (
    subscription_id text not null,
    booking_id      text not null,
    month           text not null,
    quantity        int  not null,
    primary key (subscription_id, booking_id)
);

-- need-list -------------------------------------------------------------------------------------
create table rm_needs (
    need_id               text        primary key,
    company_id            text        not null,
    category              text        not null,
    territory             text        not null,
    headcount             int         not null,
    description           text        not null,
    wished_schedule       text,
    status                text        not null, -- open | addressed | withdrawn
    acknowledged_by       text[]      not null,
    addressed_by_offer_id text,
    recorded_at           timestamptz not null
);
create index rm_needs_newest on rm_needs (recorded_at desc, need_id desc);
create index rm_needs_company on rm_needs (company_id, recorded_at desc, need_id desc);
create index rm_needs_territory on rm_needs (territory, recorded_at desc, need_id desc);
