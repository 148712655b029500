-- Where the outbox had reached when it was last reset (a rebuild): the events up to there were queued
-- already, each for the webhooks and event types of its time. A rebuild re-runs them for its lookups
-- only, and queues nothing for them: a webhook's event types widened since would otherwise send weeks-old
-- events at once. One row at most.
create table webhook_outbox_high_water (
    only_row      boolean primary key default true check (only_row),
    last_xid      xid8    not null,
    last_position bigint  not null
);
