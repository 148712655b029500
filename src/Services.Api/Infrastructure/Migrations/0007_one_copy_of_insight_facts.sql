-- The demand, usage and indicators reads share one copy of their facts, shard 'insights'. The three
-- copies were filled by the same code from the same events, so every booking was written three
-- times. The indicators shard kept every table, so its tables, checkpoint and dead letters become
-- the new shard's as they are: no replay, and no read answers from half-filled tables meanwhile.
-- Upgrade every node at once: a node still running the old code would look for the dropped tables.
drop table rm_demand_offers, rm_demand_slots, rm_demand_bookings, rm_demand_needs;
drop table rm_usage_offers, rm_usage_slots, rm_usage_bookings, rm_usage_offer_terms, rm_usage_subscriptions;

alter table rm_indicators_offers rename to rm_insights_offers;
alter table rm_indicators_slots rename to rm_insights_slots;
alter table rm_indicators_bookings rename to rm_insights_bookings;
alter table rm_indicators_offer_terms rename to rm_insights_offer_terms;
alter table rm_indicators_subscriptions rename to rm_insights_subscriptions;
alter table rm_indicators_needs rename to rm_insights_needs;
alter table rm_indicators_organizations rename to rm_insights_organizations;
alter table rm_indicators_memberships rename to rm_insights_memberships;

alter index rm_indicators_offers_pkey rename to rm_insights_offers_pkey;
alter index rm_indicators_offers_territories rename to rm_insights_offers_territories;
alter index rm_indicators_slots_pkey rename to rm_insights_slots_pkey;
alter index rm_indicators_slots_offer rename to rm_insights_slots_offer;
alter index rm_indicators_bookings_pkey rename to rm_insights_bookings_pkey;
alter index rm_indicators_bookings_slot rename to rm_insights_bookings_slot;
alter index rm_indicators_bookings_company rename to rm_insights_bookings_company;
alter index rm_indicators_offer_terms_pkey rename to rm_insights_offer_terms_pkey;
alter index rm_indicators_subscriptions_pkey rename to rm_insights_subscriptions_pkey;
alter index rm_indicators_subscriptions_company rename to rm_insights_subscriptions_company;
alter index rm_indicators_subscriptions_offer rename to rm_insights_subscriptions_offer;
alter index rm_indicators_needs_pkey rename to rm_insights_needs_pkey;
alter index rm_indicators_needs_territory rename to rm_insights_needs_territory;
alter index rm_indicators_organizations_pkey rename to rm_insights_organizations_pkey;
alter index rm_indicators_memberships_pkey rename to rm_insights_memberships_pkey;

delete from es_dead_letters where checkpoint_name in ('demand', 'usage');
delete from es_checkpoints where name in ('demand', 'usage');
update es_dead_letters set checkpoint_name = 'insights' where checkpoint_name = 'indicators';
update es_checkpoints set name = 'insights' where name = 'indicators';
