-- Checks, in the caller's transaction, that a stream a decision was taken on (without changing it)
-- is still at that version: p_expected 0 means it must not exist, n > 0 exactly n. Otherwise raises
-- SQLSTATE 'ES409' with the same detail as es_append (stream, expected, actual as JSON).
create function es_check_version(p_stream_id text, p_expected bigint)
returns void
language plpgsql as $$
declare
    v_actual bigint := (select coalesce(max(e.stream_version), 0) from es_events e where e.stream_id = p_stream_id);
begin
    if v_actual <> p_expected then
        raise exception 'version conflict on stream %', p_stream_id using
            errcode = 'ES409',
            detail = json_build_object('stream', p_stream_id, 'expected', p_expected, 'actual', v_actual)::text;
    end if;
end;
$$;
