-- A webhook's deliveries show events as the change feed shows them to its organization: partners
-- get need events without the company that recorded the need. The outbox needs the owner's kind
-- for that; existing webhooks take it from their organization's registration event.
alter table webhooks add column organization_kind text;
update webhooks w set organization_kind = e.data->>'kind'
from es_events e
where e.stream_id = 'organization-' || w.organization_id and e.event_type = 'organization.registered';
update webhooks set organization_kind = 'operator' where organization_kind is null and sees_all;
