-- A provider's deliveries (getProviderDeliveries) are the slots whose offer names it among its providers in the terms
-- in force when the slot starts: an offer handed to another provider stays, for the slots started before, on the
-- former provider's deliveries, as its invoices to the club do. The providers are one of the terms, as the fees are.
-- Terms written before take the providers of the event that set them, in the order it gives them, as a rebuild would.
-- A node still on older code (during a rolling upgrade) writes terms naming none: their slots are on no provider's
-- deliveries until a rebuild.
alter table rm_insights_offer_terms add column provider_ids text[] not null default '{}';
update rm_insights_offer_terms t set provider_ids = array(
    select p.id
    from jsonb_array_elements_text(e.data->'providerIds') with ordinality p(id, n)
    order by p.n)
from es_events e
where e.stream_id = 'offer-' || t.offer_id and e.stream_version = t.version
  and e.event_type in ('offer.published', 'offer.revised');
create index rm_insights_offer_terms_providers on rm_insights_offer_terms using gin (provider_ids);
