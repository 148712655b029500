-- Usage statements and the booking list name each company (companyName) next to its id, as it is named now: a partner
-- or a provider reads no organization but its own. The insights' organizations keep their current name; those written
-- before take the name of their latest registration or rename, as a rebuild would. A node still on older code (during a
-- rolling upgrade) leaves a new organization's name null and a rename unapplied until a rebuild of insights.
alter table rm_insights_organizations add column name text;
update rm_insights_organizations o set name = (
    select e.data->>'name'
    from es_events e
    where e.stream_id = 'organization-' || o.organization_id and e.event_type in ('organization.registered', 'organization.renamed')
    order by e.stream_version desc
    limit 1);
