-- A version check of a stream a decision did not change must hold until the transaction commits:
-- without a lock, a check and another node's append to that stream could both commit (the check
-- reads before the append is visible), e.g. a booking on an offer whose withdrawal another node
-- had just acknowledged. Appends now take their streams' locks exclusively and checks take them
-- shared, as transaction-level advisory locks keyed by hashtextextended(stream id, 0), before they
-- read, so a check waits for an append in flight and then sees it, and an append waits for the
-- checks in flight. Within one node the single committer never waits on itself. Every writer
-- takes its locks in stream id order (the order the store sorts a group's streams in), so two
-- transactions cannot wait on each other (but for two ids with the same hash: PostgreSQL detects
-- that deadlock and the group's members commit again one by one).

create or replace function es_append(
    p_stream_id text, p_stream_type text, p_expected bigint,
    p_event_ids uuid[], p_event_types text[], p_data jsonb[], p_metadata jsonb[],
    p_expected_event_id uuid default null)
returns table (stream_version bigint, last_position bigint, transaction_id xid8)
language plpgsql as $$
declare
    v_base bigint := p_expected;
begin
    perform pg_advisory_xact_lock(hashtextextended(p_stream_id, 0));
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

create or replace function es_check_version(p_stream_id text, p_expected bigint, p_expected_event_id uuid default null)
returns void
language plpgsql as $$
declare
    v_last record;
begin
    perform pg_advisory_xact_lock_shared(hashtextextended(p_stream_id, 0));
    select e.stream_version, e.event_id into v_last
    from es_events e where e.stream_id = p_stream_id order by e.stream_version desc limit 1;
    if coalesce(v_last.stream_version, 0) <> p_expected
        or (p_expected_event_id is not null and v_last.event_id is distinct from p_expected_event_id) then
        perform es_version_conflict(p_stream_id, p_expected);
    end if;
end;
$$;

create or replace function es_append_all(
    p_stream_ids text[], p_expected bigint[], p_expected_event_ids uuid[], p_check_only boolean[],
    p_event_streams int[], p_event_ids uuid[], p_versions bigint[], p_stream_types text[],
    p_event_types text[], p_data jsonb[], p_metadata jsonb[])
returns table (event_id uuid, stream_version bigint, global_position bigint, transaction_id xid8)
language plpgsql
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
declare
    v_conflict record;
    v_lock record;
begin
    -- A stream only checked here is locked shared; one appended to (also checked), exclusively.
    for v_lock in
        select hashtextextended(s.id, 0) as key, bool_and(s.check_only) as shared
        from unnest(p_stream_ids, p_check_only) as s(id, check_only)
        group by s.id
        order by s.id collate "C"
    loop
        if v_lock.shared then
            perform pg_advisory_xact_lock_shared(v_lock.key);
        else
            perform pg_advisory_xact_lock(v_lock.key);
        end if;
    end loop;
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
