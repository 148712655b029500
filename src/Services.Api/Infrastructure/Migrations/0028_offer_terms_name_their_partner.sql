-- A partner's usage statement takes the lines whose co-funding names it, in the terms in force at the instant
-- its share is taken: the partner is one of the terms, as the share is (a revision may change either).
-- Terms written before take the partner of the event that set them, as a rebuild would. A node still on older
-- code (during a rolling upgrade) leaves it null: such terms are on no partner's statement until a rebuild.
alter table rm_insights_offer_terms add column co_funding_partner_id text;
update rm_insights_offer_terms t set co_funding_partner_id = e.data->'coFunding'->>'partnerId'
from es_events e
where e.stream_id = 'offer-' || t.offer_id and e.stream_version = t.version
  and e.event_type in ('offer.published', 'offer.revised');
