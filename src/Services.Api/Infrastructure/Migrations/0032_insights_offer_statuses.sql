-- Usage statements waive a month's subscription fee when the offer was closed (suspended or withdrawn) throughout the
-- subscribed days of that month: the insights keep the offer's status over time, one row per suspension, resumption
-- and withdrawal, from the instant the event gives (the instant it was recorded for events written before they carried
-- one). Offers suspended, resumed or withdrawn before take the rows a rebuild would give them. A node still on older
-- code (during a rolling upgrade) writes no row for the changes it projects: a suspension it misses leaves months
-- charged, a resumption it misses leaves the offer read as closed (later months waived), a withdrawal it misses leaves
-- the offer counted open in listTerritories. Rebuild insights once every node runs this code.
create table rm_insights_offer_statuses (
    offer_id text        not null,
    version  bigint      not null, -- the offer stream's version that set this status
    since    timestamptz not null,
    status   text        not null, -- suspended, active (resumed), withdrawn; none before the first: active
    primary key (offer_id, version)
);
insert into rm_insights_offer_statuses (offer_id, version, since, status)
select substr(e.stream_id, length('offer-') + 1), e.stream_version,
       coalesce((e.data->>(case e.event_type when 'offer.suspended' then 'suspendedAt' when 'offer.resumed' then 'resumedAt' else 'withdrawnAt' end))::timestamptz,
                e.created_at),
       case e.event_type when 'offer.suspended' then 'suspended' when 'offer.resumed' then 'active' else 'withdrawn' end
from es_events e
where e.event_type in ('offer.suspended', 'offer.resumed', 'offer.withdrawn') and e.stream_id like 'offer-%';
