-- A provider's deliveries (getProviderDeliveries) are the slots of the offers naming it among their providers now,
-- as the bookings it may read are. Offers written before take the providers of their last publication or revision,
-- in the order the event gives them, as a rebuild would. A node still on older code (during a rolling upgrade)
-- writes an offer it publishes with none and leaves them as they were on a revision: such an offer is on no
-- provider's deliveries, or on its former providers', until a rebuild.
alter table rm_insights_offers add column provider_ids text[] not null default '{}';
update rm_insights_offers o set provider_ids = array(
    select p.id
    from jsonb_array_elements_text((
        select e.data->'providerIds' from es_events e
        where e.stream_id = 'offer-' || o.offer_id and e.event_type in ('offer.published', 'offer.revised')
        order by e.stream_version desc
        limit 1)) with ordinality p(id, n)
    order by p.n);
create index rm_insights_offers_providers on rm_insights_offers using gin (provider_ids);
