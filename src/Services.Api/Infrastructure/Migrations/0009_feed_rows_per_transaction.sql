-- The feed keeps one row per audience key, transaction and bucket of 256 positions, holding the
-- positions in ascending order, instead of one row per audience key and event: a booking's group
-- commit (~15 events, ~11 rows per booking) now writes a few rows per audience. Rows no longer depend on where
-- the daemon's pages end: a page that reaches a row already written appends its positions to it
-- (see FeedProjection), so a rebuild still gives the same rows. Stored cursors stay valid (they
-- are positions). Upgrade every node at once: a node still running the old code would write the
-- old columns.
create table rm_feed_buckets (
    audience       text     not null,
    transaction_id xid8     not null,
    bucket         bigint   not null,   -- global_position / 256 (FeedProjection.BucketWidth)
    positions      bigint[] not null,
    primary key (audience, transaction_id, bucket)
);
insert into rm_feed_buckets (audience, transaction_id, bucket, positions)
select audience, transaction_id, global_position / 256, array_agg(global_position order by global_position)
from rm_feed
group by audience, transaction_id, global_position / 256;
drop table rm_feed;
alter table rm_feed_buckets rename to rm_feed;
alter index rm_feed_buckets_pkey rename to rm_feed_pkey;
