-- expires_at: when a key issued with issueApiKey's expiresAt stops working (null: never; every key issued before).
-- last_used_at: the minute a request last authenticated with the key, written by each node's ApiKeyUses about once a
-- minute in one batched update that never moves it backwards (several nodes flush in any order). A node still on
-- older code (during a rolling upgrade) neither records uses nor reads expires_at: an expiring key keeps working on
-- such a node until every node runs this code. Issue expiring keys once the upgrade is done.
alter table api_keys add column expires_at timestamptz, add column last_used_at timestamptz;
