-- listMemberships reads a company's memberships (company_id = $1), which the primary key, led by club_id,
-- does not find: every membership was read (on 120,000 memberships of 60,000 companies in 400 clubs:
-- 1,600 buffers and 12 ms, 4 buffers and 0.05 ms with this index, generic plan too; see ops/PERFORMANCE.md, session 27).
create index rm_insights_memberships_company on rm_insights_memberships (company_id);
