-- The demand, usage and indicators reads share one copy of their facts, shard 'insights'. The three
-- copies were filled by the same code from the same events, so every booking was written three
-- times. The indicators shard's tables (the only set with every table) are kept under the new
-- prefix; the new shard has no checkpoint yet, so it empties them and fills them again from the start
-- of the feed.
drop table rm_demand_offers, rm_demand_slots, rm_demand_bookings, rm_demand_needs;
drop table rm_usage_offers, rm_usage_slots, rm_usage_bookings, rm_usage_offer_terms, rm_usage_subscriptions;

do $$
declare
    r record;
begin
    for r in
        select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind in ('r', 'i') and c.relname like 'rm\_indicators\_%'
        order by c.relkind desc -- tables first
    loop
        execute format('alter %s %I rename to %I', case r.relkind when 'r' then 'table' else 'index' end,
            r.relname, replace(r.relname, 'rm_indicators_', 'rm_insights_'));
    end loop;
end;
$$;

delete from es_dead_letters where checkpoint_name in ('demand', 'usage', 'indicators');
delete from es_checkpoints where name in ('demand', 'usage', 'indicators');
