-- The operator lists organizations (listOrganizations) from the insights read model, newest registered first, with each
-- one's SIRET. Those written before take theirs from their registration, as a rebuild would. A node still on older code
-- (during a rolling upgrade) leaves a new organization's SIRET null and its registration time the moment it projects it
-- (within its lag), until a rebuild of insights.
alter table rm_insights_organizations add column siret text, add column registered_at timestamptz;
update rm_insights_organizations o set siret = e.data->>'siret', registered_at = (e.data->>'registeredAt')::timestamptz
from es_events e
where e.stream_id = 'organization-' || o.organization_id and e.event_type = 'organization.registered';
alter table rm_insights_organizations alter column registered_at set default now(), alter column registered_at set not null;
