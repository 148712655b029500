-- A need is recorded only in a territory a club or a partner belongs to (recordNeed). The registration of a club or a
-- partner claims its territories in its own transaction, as a company's registration claims its SIRET, so the rule
-- reads them at once, whatever a read model's lag or rebuild. Those registered before claim theirs here. A node still
-- on older code (during a rolling upgrade) registers a club or a partner without claiming: needs in its territories
-- are refused until every node runs this code and the organization's territories are claimed again (re-running this
-- insert claims them).
create table covered_territories (
    territory text primary key
);
insert into covered_territories (territory)
select distinct t.code
from es_events e cross join lateral jsonb_array_elements_text(e.data->'territories') as t(code)
where e.event_type = 'organization.registered' and e.data->>'kind' in ('club', 'partner');
