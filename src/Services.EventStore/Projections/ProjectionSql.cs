namespace Services.EventStore.Projections;

/// <summary>The daemon's SQL. Ownership uses two-key session advisory locks, visible in <c>pg_locks</c>.</summary>
internal static class ProjectionSql
{
    /// <summary>First key of a node's presence lock ('ES' 0001): live nodes are the holders of such locks.</summary>
    public const string NodeLockClass = "1163067393"; // 0x45530001

    /// <summary>First key of a shard's lock ('ES' 0002); the second is <c>hashtext(name)</c>.</summary>
    public const string ShardLockClass = "1163067394"; // 0x45530002

    public const string HashNames = "select n, hashtext(n) from unnest($1::text[]) n";

    public const string EnsureCheckpoint = "insert into es_checkpoints (name) values ($1) on conflict (name) do nothing";

    public const string EnsureCheckpoints = "insert into es_checkpoints (name) select unnest($1::text[]) on conflict (name) do nothing";

    /// <summary>
    /// For the session that took a lock: the server notices a node that vanished without closing its
    /// connections (power lost, network cut) within ~25 s instead of the kernel's default of over two
    /// hours, and its locks, so its shards, go to another node. Set only once the lock is taken, and
    /// reset with the locks (<see cref="UnlockAll"/>): pooled connections keep no session state. No
    /// effect over a Unix socket.
    /// </summary>
    private const string NoticeVanishedNode =
        "set_config('tcp_keepalives_idle', '10', false) || set_config('tcp_keepalives_interval', '5', false) || set_config('tcp_keepalives_count', '3', false)";

    // The attempt in a subquery of its own: evaluated once, before the settings depend on it.
    private const string WhenTaken = $"locked, case when locked then {NoticeVanishedNode} end";

    public const string LockNode = $"select {WhenTaken} from (select pg_try_advisory_lock({NodeLockClass}, hashtext($1)) as locked) attempt";

    /// <summary>$1 name, $2 lock timeout in milliseconds (<see cref="ProjectionDaemonOptions.LockTimeout"/>), set with the lock.</summary>
    public const string TryLockShard =
        $"select locked, case when locked then {NoticeVanishedNode} || set_config('lock_timeout', $2, false) end from (select pg_try_advisory_lock({ShardLockClass}, hashtext($1)) as locked) attempt";

    public const string UnlockAll = "select pg_advisory_unlock_all(); reset tcp_keepalives_idle; reset tcp_keepalives_interval; reset tcp_keepalives_count; reset lock_timeout";

    /// <summary>$1 node, $2 lease, $3 names this node runs.</summary>
    public const string RenewLeases = "update es_checkpoints set lease_until = now() + $2 where owner = $1 and name = any($3)";

    /// <summary>$1 names. Per shard: held by any node?, status, and the number of live nodes.</summary>
    public const string Survey = $"""
        with db as (select oid from pg_database where datname = current_database())
        select s.name,
               exists (select 1 from pg_locks l, db
                       where l.locktype = 'advisory' and l.database = db.oid and l.granted
                         and l.classid = {ShardLockClass}::oid and l.objid = hashtext(s.name)::oid and l.objsubid = 2),
               coalesce(c.status, 'idle'),
               (select count(*) from pg_locks l, db
                where l.locktype = 'advisory' and l.database = db.oid and l.granted
                  and l.classid = {NodeLockClass}::oid and l.objsubid = 2)
        from unnest($1::text[]) s(name) left join es_checkpoints c on c.name = s.name
        """;

    /// <summary>
    /// $1 name, $2 node, $3 lease. Returns the checkpoint and status of a shard just acquired. A shard
    /// left idle or retrying by its last owner runs now (until a page says otherwise): without this it
    /// would show as idle until the next event; the statuses that outlive an owner are kept.
    /// </summary>
    public const string Claim = """
        update es_checkpoints set owner = $2, lease_until = now() + $3, updated_at = now(),
            status = case when status in ('idle', 'retrying') then 'running' else status end
        where name = $1
        returning last_xid, last_position, status
        """;

    /// <summary>$1 name, $2 node. Leaves statuses that outlive an owner (rebuilding, failed, rebuild_requested).</summary>
    public const string Unclaim = """
        update es_checkpoints set owner = null, lease_until = null, updated_at = now(),
            status = case when status in ('running', 'retrying') then 'idle' else status end
        where name = $1 and owner = $2
        """;

    /// <summary>
    /// $1 name, $2/$3 old position, $4/$5 new position, $6 status, $7 node, $8 lease. The compare-and-set
    /// committed with each page: no row means another node moved the checkpoint. A pending rebuild request is kept.
    /// </summary>
    public const string AdvanceCheckpoint = """
        update es_checkpoints set last_xid = $4, last_position = $5,
            status = case when status = 'rebuild_requested' then status else $6 end,
            owner = $7, lease_until = now() + $8, updated_at = now()
        where name = $1 and last_xid = $2 and last_position = $3
        returning status
        """;

    /// <summary>$1 name. With a reset: the events it left out come back through the replay (or stop the rebuild).</summary>
    public const string ClearDeadLetters = "delete from es_dead_letters where checkpoint_name = $1";

    /// <summary>$1 name, $2/$3 old position, $4 status, $5 node, $6 lease. Back to the start of the feed.</summary>
    public const string ResetCheckpoint = """
        update es_checkpoints set last_xid = '0', last_position = 0, status = $4, last_error = null,
            owner = $5, lease_until = now() + $6, updated_at = now()
        where name = $1 and last_xid = $2 and last_position = $3
        returning status
        """;

    /// <summary>$1 name, $2 node, $3 status, $4 error. A rebuild asked for stays asked for; its error (a failing reset) shows.</summary>
    public const string RecordError = """
        update es_checkpoints set status = case when status = 'rebuild_requested' then status else $3 end, last_error = $4, updated_at = now()
        where name = $1 and owner = $2
        """;

    /// <summary>$1 name, $2 node, $3 status.</summary>
    public const string SetStatus = """
        update es_checkpoints set status = $3, updated_at = now()
        where name = $1 and owner = $2 and status <> 'rebuild_requested'
        """;

    public const string ReadStatus = "select status from es_checkpoints where name = $1";

    public const string ReadPosition = "select last_xid, last_position from es_checkpoints where name = $1";

    public const string RequestRebuild = """
        insert into es_checkpoints (name, status) values ($1, 'rebuild_requested')
        on conflict (name) do update set status = 'rebuild_requested', last_error = null, updated_at = now()
        """;

    /// <summary>
    /// The next event after $1/$2 — the same order and xmin bound as <see cref="FeedQuery"/>, but without
    /// decoding the event, so that an event that cannot even be read can be dead-lettered.
    /// </summary>
    public const string NextEventId = """
        select transaction_id, global_position, event_id from es_events
        where (transaction_id, global_position) > ($1, $2)
          and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        order by transaction_id, global_position
        limit 1
        """;

    /// <summary>$1 name, $2 event id, $3 xid, $4 position, $5 error.</summary>
    public const string DeadLetter = """
        insert into es_dead_letters (checkpoint_name, event_id, transaction_id, global_position, error)
        values ($1, $2, $3, $4, $5)
        """;

    /// <summary>$1 lag count bound.</summary>
    public const string Status = """
        select c.name, c.last_xid, c.last_position, c.owner, c.lease_until, c.status, c.last_error, c.updated_at,
               (select count(*) from (select 1 from es_events e
                                      where (e.transaction_id, e.global_position) > (c.last_xid, c.last_position)
                                      limit $1) lag) as lag_events,
               coalesce((select now() - e.created_at from es_events e
                         where (e.transaction_id, e.global_position) > (c.last_xid, c.last_position)
                         order by e.transaction_id, e.global_position limit 1), interval '0') as lag_age,
               (select count(*) from es_dead_letters d where d.checkpoint_name = c.name) as dead_letters
        from es_checkpoints c
        order by c.name
        """;
}
