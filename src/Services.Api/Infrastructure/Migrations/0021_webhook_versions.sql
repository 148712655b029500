-- Webhooks can be edited (PATCH): each edit adds one to their version, their answers' ETag.
alter table webhooks add column version bigint not null default 1;
