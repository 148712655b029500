-- A stream is its events: its version is its last event's, and the unique (stream_id,
-- stream_version) index is the optimistic concurrency check. One row and two index entries per
-- event instead of also a stream row to lock and update, and a third index on event_id (ids are
-- made by the store, unique by construction; a retry finds its events through their stream).
alter table es_events add column stream_type text not null default '';
update es_events e set stream_type = s.stream_type from es_streams s where s.stream_id = e.stream_id;
alter table es_events alter column stream_type drop default;
alter table es_events drop constraint es_events_event_id_key;
drop function es_append(text, text, bigint, uuid[], text[], jsonb[], jsonb[]);
drop table es_streams;

create function es_insert_events(
    p_stream_id text, p_stream_type text, p_base bigint,
    p_event_ids uuid[], p_event_types text[], p_data jsonb[], p_metadata jsonb[])
returns table (stream_version bigint, last_position bigint, transaction_id xid8)
language plpgsql as $$
begin
    return query
    insert into es_events (event_id, stream_id, stream_type, stream_version, event_type, data, metadata)
    select x.id, p_stream_id, p_stream_type, p_base + x.n, x.t, x.d, x.m
    from unnest(p_event_ids, p_event_types, p_data, p_metadata) with ordinality as x(id, t, d, m, n)
    order by x.n
    returning p_base + cardinality(p_event_ids), es_events.global_position, es_events.transaction_id;
end;
$$;

-- Appends one or more events to one stream with its expected version, in the caller's
-- transaction. p_expected: -1 any version, 0 the stream must not exist, n > 0 exactly n.
-- A stream found behind the expected version raises SQLSTATE 'ES409' (detail: stream, expected,
-- actual as JSON); one found ahead (or overtaken by a concurrent append) raises the unique
-- violation of es_events_stream_version_key. With any version, concurrent appenders take the next
-- free version.
create function es_append(
    p_stream_id text, p_stream_type text, p_expected bigint,
    p_event_ids uuid[], p_event_types text[], p_data jsonb[], p_metadata jsonb[])
returns table (stream_version bigint, last_position bigint, transaction_id xid8)
language plpgsql as $$
declare
    v_base bigint := p_expected;
begin
    if p_expected > 0 and not exists (
        select 1 from es_events e where e.stream_id = p_stream_id and e.stream_version = p_expected) then
        raise exception 'version conflict on stream %', p_stream_id using
            errcode = 'ES409',
            detail = json_build_object('stream', p_stream_id, 'expected', p_expected,
                'actual', (select coalesce(max(e.stream_version), 0) from es_events e where e.stream_id = p_stream_id))::text;
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
