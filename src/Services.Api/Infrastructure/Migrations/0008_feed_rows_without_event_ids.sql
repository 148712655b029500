-- The feed's rows no longer carry their event's id: the change feed reads each event by its
-- position, so the id was 16 bytes written for nothing in every row (~11 rows per booking, one per
-- event and audience). Upgrade every node at once: a node still running the old code would write
-- the dropped column.
alter table rm_feed drop column event_id;
