-- One company per SIRET: the registration claims its SIRET in its own transaction (a unique key, as a
-- stream's version is one), so that two registrations of one establishment, at once or apart, make one
-- company. Companies registered before claim theirs, the first registered winning.
create table organization_sirets (
    siret           text primary key,
    organization_id text not null
);
insert into organization_sirets (siret, organization_id)
select distinct on (data->>'siret') data->>'siret', data->>'organizationId'
from es_events
where event_type = 'organization.registered' and data->>'siret' is not null
order by data->>'siret', transaction_id, global_position;
