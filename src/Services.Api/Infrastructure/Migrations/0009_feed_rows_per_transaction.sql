-- The feed keeps one row per page of the feed shard, audience key and transaction, holding the
-- positions in ascending order, instead of one row per audience key and event: a booking's group
-- commit (~15 events, ~11 rows per booking) now writes one row per audience key. Existing rows are
-- cut, per audience key and transaction, into runs of at most 500 ascending positions (a page's
-- most), whose ranges do not interleave, as the reader requires. Stored cursors stay valid (they
-- are positions). Upgrade every node at once: a node still running the old code would write the old
-- columns.
create table rm_feed_pages (
    audience       text     not null,
    transaction_id xid8     not null,
    first_position bigint   not null,
    positions      bigint[] not null,
    primary key (audience, transaction_id, first_position)
);
insert into rm_feed_pages (audience, transaction_id, first_position, positions)
select audience, transaction_id, min(global_position), array_agg(global_position order by global_position)
from (select audience, transaction_id, global_position,
             (row_number() over (partition by audience, transaction_id order by global_position) - 1) / 500 as page
      from rm_feed) numbered
group by audience, transaction_id, page;
drop table rm_feed;
alter table rm_feed_pages rename to rm_feed;
alter index rm_feed_pages_pkey rename to rm_feed_pkey;
-- What a rebuild of the feed reproduces: each audience's positions, however pages grouped them.
create view rm_feed_entries as
select audience, transaction_id, unnest(positions) as global_position from rm_feed;
