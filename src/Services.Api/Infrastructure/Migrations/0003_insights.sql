-- Read models of demand, usage statements and shared indicators. Each shard keeps its own copy of
-- the facts it needs (offers, slots, bookings, ...), filled from the events in that shard only, so
-- that shards run and rebuild independently. Aggregates are computed from these facts when read.

-- shard 'demand'
create table rm_demand_offers (
    offer_id    text    primary key,
    club_id     text    not null,
    category    text    not null,
    title       text    not null,
    territories text[]  not null,
    time_zone   text    not null,
    unit_price  bigint  not null
);
create index rm_demand_offers_territories on rm_demand_offers using gin (territories);

create table rm_demand_slots (
    slot_id    text        primary key,
    offer_id   text        not null,
    start_at   timestamptz not null,
    local_date date        not null, -- the slot's start in the offer's time zone
    capacity   integer     not null,
    cancelled  boolean     not null default false
);
create index rm_demand_slots_offer on rm_demand_slots (offer_id, local_date);

create table rm_demand_bookings (
    booking_id      text        primary key,
    company_id      text        not null,
    subscription_id text        not null,
    offer_id        text        not null,
    slot_id         text        not null,
    quantity        integer     not null,
    beneficiary_ref text        not null,
    unit_price      bigint      not null, -- the offer's unit price when the booking was requested
    requested_at    timestamptz not null,
    status          text        not null, -- requested, confirmed, waitlisted, cancelled, expired
    confirmed       boolean     not null default false, -- ever held seats (confirmed or promoted)
    waitlisted      boolean     not null default false, -- ever waited
    promoted        boolean     not null default false,
    attendance      text                               -- attended, no_show
);
create index rm_demand_bookings_slot on rm_demand_bookings (slot_id);
create index rm_demand_bookings_company on rm_demand_bookings (company_id);

create table rm_demand_needs (
    need_id       text        primary key,
    company_id    text        not null,
    category      text        not null,
    territory     text        not null,
    headcount     integer     not null,
    recorded_at   timestamptz not null,
    recorded_date date        not null, -- UTC date of recordedAt
    closed_at     timestamptz           -- addressed or withdrawn
);
create index rm_demand_needs_territory on rm_demand_needs (territory, recorded_date);

-- shard 'usage'
create table rm_usage_offers (
    offer_id    text    primary key,
    club_id     text    not null,
    category    text    not null,
    title       text    not null,
    territories text[]  not null,
    time_zone   text    not null,
    unit_price  bigint  not null
);
create index rm_usage_offers_territories on rm_usage_offers using gin (territories);

create table rm_usage_slots (
    slot_id    text        primary key,
    offer_id   text        not null,
    start_at   timestamptz not null,
    local_date date        not null, -- the slot's start in the offer's time zone
    capacity   integer     not null,
    cancelled  boolean     not null default false
);
create index rm_usage_slots_offer on rm_usage_slots (offer_id, local_date);

create table rm_usage_bookings (
    booking_id      text        primary key,
    company_id      text        not null,
    subscription_id text        not null,
    offer_id        text        not null,
    slot_id         text        not null,
    quantity        integer     not null,
    beneficiary_ref text        not null,
    unit_price      bigint      not null, -- the offer's unit price when the booking was requested
    requested_at    timestamptz not null,
    status          text        not null, -- requested, confirmed, waitlisted, cancelled, expired
    confirmed       boolean     not null default false, -- ever held seats (confirmed or promoted)
    waitlisted      boolean     not null default false, -- ever waited
    promoted        boolean     not null default false,
    attendance      text                               -- attended, no_show
);
create index rm_usage_bookings_slot on rm_usage_bookings (slot_id);
create index rm_usage_bookings_company on rm_usage_bookings (company_id);

create table rm_usage_offer_terms (
    offer_id      text        not null,
    version       bigint      not null, -- the offer stream's version that set these terms
    valid_from    timestamptz not null,
    monthly_fee   bigint      not null,
    unit_price    bigint      not null,
    currency      text        not null,
    co_funding_bp integer     not null,
    primary key (offer_id, version)
);

create table rm_usage_subscriptions (
    subscription_id text primary key,
    company_id      text not null,
    offer_id        text not null,
    starts_on       date not null,
    ends_on         date
);
create index rm_usage_subscriptions_company on rm_usage_subscriptions (company_id);
create index rm_usage_subscriptions_offer on rm_usage_subscriptions (offer_id);

-- shard 'indicators'
create table rm_indicators_offers (
    offer_id    text    primary key,
    club_id     text    not null,
    category    text    not null,
    title       text    not null,
    territories text[]  not null,
    time_zone   text    not null,
    unit_price  bigint  not null
);
create index rm_indicators_offers_territories on rm_indicators_offers using gin (territories);

create table rm_indicators_slots (
    slot_id    text        primary key,
    offer_id   text        not null,
    start_at   timestamptz not null,
    local_date date        not null, -- the slot's start in the offer's time zone
    capacity   integer     not null,
    cancelled  boolean     not null default false
);
create index rm_indicators_slots_offer on rm_indicators_slots (offer_id, local_date);

create table rm_indicators_bookings (
    booking_id      text        primary key,
    company_id      text        not null,
    subscription_id text        not null,
    offer_id        text        not null,
    slot_id         text        not null,
    quantity        integer     not null,
    beneficiary_ref text        not null,
    unit_price      bigint      not null, -- the offer's unit price when the booking was requested
    requested_at    timestamptz not null,
    status          text        not null, -- requested, confirmed, waitlisted, cancelled, expired
    confirmed       boolean     not null default false, -- ever held seats (confirmed or promoted)
    waitlisted      boolean     not null default false, -- ever waited
    promoted        boolean     not null default false,
    attendance      text                               -- attended, no_show
);
create index rm_indicators_bookings_slot on rm_indicators_bookings (slot_id);
create index rm_indicators_bookings_company on rm_indicators_bookings (company_id);

create table rm_indicators_offer_terms (
    offer_id      text        not null,
    version       bigint      not null, -- the offer stream's version that set these terms
    valid_from    timestamptz not null,
    monthly_fee   bigint      not null,
    unit_price    bigint      not null,
    currency      text        not null,
    co_funding_bp integer     not null,
    primary key (offer_id, version)
);

create table rm_indicators_subscriptions (
    subscription_id text primary key,
    company_id      text not null,
    offer_id        text not null,
    starts_on       date not null,
    ends_on         date
);
create index rm_indicators_subscriptions_company on rm_indicators_subscriptions (company_id);
create index rm_indicators_subscriptions_offer on rm_indicators_subscriptions (offer_id);

create table rm_indicators_needs (
    need_id       text        primary key,
    company_id    text        not null,
    category      text        not null,
    territory     text        not null,
    headcount     integer     not null,
    recorded_at   timestamptz not null,
    recorded_date date        not null, -- UTC date of recordedAt
    closed_at     timestamptz           -- addressed or withdrawn
);
create index rm_indicators_needs_territory on rm_indicators_needs (territory, recorded_date);

create table rm_indicators_organizations (
    organization_id text   primary key,
    kind            text   not null,
    territories     text[] not null
);

create table rm_indicators_memberships (
    club_id     text        not null,
    company_id  text        not null,
    admitted_at timestamptz not null,
    removed_at  timestamptz,
    primary key (club_id, company_id, admitted_at)
);
