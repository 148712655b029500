-- Keys are looked up by id on every request; only a hash of the secret is kept.
create table api_keys (
    key_id            text        primary key,
    organization_id   text        not null,
    organization_kind text        not null,
    secret_hash       bytea       not null,
    label             text        not null,
    created_at        timestamptz not null default now(),
    revoked_at        timestamptz
);
create index api_keys_organization on api_keys (organization_id);
