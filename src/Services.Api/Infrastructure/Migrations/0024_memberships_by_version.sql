-- A membership is keyed by the club stream's version of its admission, not by when it was recorded: a
-- company admitted, removed and admitted again in one transaction (one commit time) kept only its first,
-- removed, row. Rows written before take the version of the admission recorded at their instant (a row that
-- bug already dropped comes back with a rebuild of the insights shard).
alter table rm_insights_memberships add column admitted_version bigint;
update rm_insights_memberships m set admitted_version = coalesce((
    select min(e.stream_version) from es_events e
    where e.stream_id = 'organization-' || m.club_id and e.event_type = 'organization.member_admitted'
      and e.data->>'companyId' = m.company_id and e.created_at = m.admitted_at), 0);
-- Not null, with a default: a node still on older code (during a rolling upgrade) inserts without it, as before.
alter table rm_insights_memberships alter column admitted_version set default 0, alter column admitted_version set not null;
alter table rm_insights_memberships drop constraint rm_insights_memberships_pkey;
alter table rm_insights_memberships add primary key (club_id, company_id, admitted_version);
