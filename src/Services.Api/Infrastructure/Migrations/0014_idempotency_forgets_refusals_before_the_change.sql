-- Answers 400 (invalid) and 412 (stale If-Match) are no longer kept under their key: the change did
-- not run, and a retry with the same key, corrected or with the fresh ETag, must run. Those kept
-- before are forgotten too, rather than replayed for the rest of their 48 hours.
delete from idempotency_keys where status in (400, 412);
