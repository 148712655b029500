-- Version checks of streams a decision was taken on without changing them, and expected versions
-- that also name the stream's last event (p_expected_event_id): a decision taken on events still
-- committing must not commit if another writer took that version with other events.
drop function es_append(text, text, bigint, uuid[], text[], jsonb[], jsonb[]);

create function es_version_conflict(p_stream_id text, p_expected bigint)
returns void
language plpgsql as $$
begin
    raise exception 'version conflict on stream %', p_stream_id using
        errcode = 'ES409',
        detail = json_build_object('stream', p_stream_id, 'expected', p_expected,
            'actual', (select coalesce(max(e.stream_version), 0) from es_events e where e.stream_id = p_stream_id))::text;
end;
$$;

-- Appends one or more events to one stream with its expected version, in the caller's
-- transaction. p_expected: -1 any version, 0 the stream must not exist, n > 0 exactly n (and,
-- when p_expected_event_id is given, event n must be that one). A stream found behind raises
-- SQLSTATE 'ES409' (detail: stream, expected, actual as JSON); one found ahead (or overtaken by a
-- concurrent append) raises the unique violation of es_events_stream_version_key. With any
-- version, concurrent appenders take the next free version.
create function es_append(
    p_stream_id text, p_stream_type text, p_expected bigint,
    p_event_ids uuid[], p_event_types text[], p_data jsonb[], p_metadata jsonb[],
    p_expected_event_id uuid default null)
returns table (stream_version bigint, last_position bigint, transaction_id xid8)
language plpgsql as $$
declare
    v_base bigint := p_expected;
begin
    if p_expected > 0 and not exists (
        select 1 from es_events e where e.stream_id = p_stream_id and e.stream_version = p_expected
            and (p_expected_event_id is null or e.event_id = p_expected_event_id)) then
        perform es_version_conflict(p_stream_id, p_expected);
    end if;
    if p_expected >= 0 then
        return query select * from es_insert_events(p_stream_id, p_stream_type, p_expected, p_event_ids, p_event_types, p_data, p_metadata);
        return;
    end if;
    loop
        select coalesce(max(e.stream_version), 0) into v_base from es_events e where e.stream_id = p_stream_id;
        -- Only this branch pays for the subtransaction an exception block opens.
        begin
            return query select * from es_insert_events(p_stream_id, p_stream_type, v_base, p_event_ids, p_event_types, p_data, p_metadata);
            return;
        exception when unique_violation then
            -- Another appender took this version: take the next one.
        end;
    end loop;
end;
$$;

-- Checks, in the caller's transaction, that a stream a decision was taken on (without changing it)
-- is still at that version (and event), or raises 'ES409' like es_append.
create function es_check_version(p_stream_id text, p_expected bigint, p_expected_event_id uuid default null)
returns void
language plpgsql as $$
declare
    v_last record;
begin
    select e.stream_version, e.event_id into v_last
    from es_events e where e.stream_id = p_stream_id order by e.stream_version desc limit 1;
    if coalesce(v_last.stream_version, 0) <> p_expected
        or (p_expected_event_id is not null and v_last.event_id is distinct from p_expected_event_id) then
        perform es_version_conflict(p_stream_id, p_expected);
    end if;
end;
$$;

-- A whole group of appends at known versions in one statement (one call instead of one per
-- stream). Per stream entry, in the caller's order: p_expected 0 (must not exist), n > 0 (event n
-- must exist, and be p_expected_event_ids[i] when given) or -2 (nothing to check: an earlier entry
-- of this call leaves the stream there); p_check_only: a stream the decision did not change, which
-- must have nothing after p_expected. Every expectation is checked first ('ES409' as es_append),
-- then the events are inserted in the order given, each at its version in p_versions (a version
-- taken meanwhile raises the unique violation of es_events_stream_version_key).
create function es_append_all(
    p_stream_ids text[], p_expected bigint[], p_expected_event_ids uuid[], p_check_only boolean[],
    p_event_streams int[], p_event_ids uuid[], p_versions bigint[], p_stream_types text[],
    p_event_types text[], p_data jsonb[], p_metadata jsonb[])
returns table (event_id uuid, stream_version bigint, global_position bigint, transaction_id xid8)
language plpgsql
-- Custom plans would be made again on every call (the arrays' sizes change their estimates): ~50 µs
-- of planning per append, more than the append itself. The generic plan probes the same indexes.
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
declare
    v_conflict record;
begin
    select s.id, s.expected into v_conflict
    from unnest(p_stream_ids, p_expected, p_expected_event_ids, p_check_only) as s(id, expected, eid, check_only)
    where (s.expected > 0 and not exists (
            select 1 from es_events e where e.stream_id = s.id and e.stream_version = s.expected
                and (s.eid is null or e.event_id = s.eid)))
       or (s.check_only and exists (select 1 from es_events e where e.stream_id = s.id and e.stream_version > s.expected))
    limit 1;
    if found then
        perform es_version_conflict(v_conflict.id, v_conflict.expected);
    end if;
    return query
    insert into es_events as ev (event_id, stream_id, stream_type, stream_version, event_type, data, metadata)
    select x.id, p_stream_ids[x.s], x.st, x.v, x.t, x.d, x.m
    from unnest(p_event_streams, p_event_ids, p_versions, p_stream_types, p_event_types, p_data, p_metadata)
        with ordinality as x(s, id, v, st, t, d, m, n)
    order by x.n
    returning ev.event_id, ev.stream_version, ev.global_position, ev.transaction_id;
end;
$$;
