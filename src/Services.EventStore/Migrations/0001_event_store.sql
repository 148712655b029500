-- Streams carry the version that optimistic concurrency checks; events are immutable rows.
create table es_streams (
    stream_id   text        primary key,
    stream_type text        not null,
    version     bigint      not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    archived    boolean     not null default false
);

-- The feed is ordered by (transaction_id, global_position): a reader only reads transactions
-- below its snapshot's xmin, so no event can ever commit behind its cursor.
create table es_events (
    transaction_id  xid8        not null default pg_current_xact_id(),
    global_position bigint      generated always as identity,
    event_id        uuid        not null,
    stream_id       text        not null,
    stream_version  bigint      not null,
    event_type      text        not null,
    data            jsonb       not null,
    metadata        jsonb       not null,
    created_at      timestamptz not null default now(),
    primary key (transaction_id, global_position),
    constraint es_events_stream_version_key unique (stream_id, stream_version),
    constraint es_events_event_id_key unique (event_id)
);

-- Appends one or more events to one stream with its expected version, in the caller's
-- transaction. p_expected: -1 any version, 0 the stream must not exist, n > 0 exactly n.
-- A conflict raises SQLSTATE 'ES409' with the stream, expected and actual versions as JSON detail.
create function es_append(
    p_stream_id text, p_stream_type text, p_expected bigint,
    p_event_ids uuid[], p_event_types text[], p_data jsonb[], p_metadata jsonb[])
returns table (stream_version bigint, last_position bigint, transaction_id xid8)
language plpgsql as $$
declare
    v_count bigint := cardinality(p_event_ids);
    v_version bigint;
    v_actual bigint;
begin
    if p_expected = 0 then
        insert into es_streams (stream_id, stream_type, version)
        values (p_stream_id, p_stream_type, v_count)
        on conflict do nothing
        returning version into v_version;
    elsif p_expected > 0 then
        update es_streams set version = version + v_count, updated_at = now()
        where stream_id = p_stream_id and version = p_expected
        returning version into v_version;
    else
        insert into es_streams as s (stream_id, stream_type, version)
        values (p_stream_id, p_stream_type, v_count)
        on conflict (stream_id) do update set version = s.version + v_count, updated_at = now()
        returning version into v_version;
    end if;

    if v_version is null then
        select s.version into v_actual from es_streams s where s.stream_id = p_stream_id;
        raise exception 'version conflict on stream %', p_stream_id using
            errcode = 'ES409',
            detail = json_build_object('stream', p_stream_id, 'expected', p_expected, 'actual', coalesce(v_actual, 0))::text;
    end if;

    return query
    insert into es_events (event_id, stream_id, stream_version, event_type, data, metadata)
    select e.id, p_stream_id, v_version - v_count + e.n, e.t, e.d, e.m
    from unnest(p_event_ids, p_event_types, p_data, p_metadata) with ordinality as e(id, t, d, m, n)
    order by e.n
    returning v_version, es_events.global_position, es_events.transaction_id;
end;
$$;

create table es_checkpoints (
    name          text        primary key,
    last_xid      xid8        not null default '0',
    last_position bigint      not null default 0,
    owner         text,
    lease_until   timestamptz,
    status        text        not null default 'idle',
    last_error    text,
    updated_at    timestamptz not null default now()
);

create table es_dead_letters (
    id              bigint      generated always as identity primary key,
    checkpoint_name text        not null,
    event_id        uuid        not null,
    transaction_id  xid8        not null,
    global_position bigint      not null,
    error           text        not null,
    failed_at       timestamptz not null default now()
);
