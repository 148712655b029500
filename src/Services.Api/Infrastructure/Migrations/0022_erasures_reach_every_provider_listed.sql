-- beneficiary.erased goes to every provider an offer booked with contact details has listed, not only
-- to those it lists when the erasure comes: a provider removed since may still hold the details.
-- Offers written before are set from their published and revised events, as a rebuild would set them. A node
-- still on older code (during a rolling upgrade) leaves the column empty: the audience adds the providers
-- listed now to it, so such an offer's erasures reach those at least.
create function pg_temp.providers_ever_listed(offer_id text) returns text[] language sql stable as $$
    select coalesce(array_agg(distinct p.id order by p.id), '{}')
    from es_events e, jsonb_array_elements_text(e.data->'providerIds') p(id)
    where e.stream_id = 'offer-' || offer_id and e.event_type in ('offer.published', 'offer.revised')
$$;

alter table rm_feed_offers add column providers_ever_listed text[] not null default '{}';
alter table rm_outbox_offers add column providers_ever_listed text[] not null default '{}';
update rm_feed_offers set providers_ever_listed = pg_temp.providers_ever_listed(offer_id);
update rm_outbox_offers set providers_ever_listed = pg_temp.providers_ever_listed(offer_id);
drop function pg_temp.providers_ever_listed(text);
