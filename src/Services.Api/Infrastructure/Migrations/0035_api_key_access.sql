-- A key may be restricted to reading (issueApiKey's access: read): it is refused every method but GET. Keys
-- issued before are full, as their events (without access) say. A node still on older code (during a rolling upgrade)
-- issues full keys only and does not read this column: a read key acts as a full one on such a node until every node
-- runs this code. Issue read keys once the upgrade is done.
alter table api_keys add column access text not null default 'full' check (access in ('full', 'read'));
