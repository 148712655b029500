-- The territories (listTerritories) and the rule that a need's territory has a club or a partner (recordNeed) read the
-- organizations of the insights shard by territory.
create index if not exists rm_insights_organizations_territories on rm_insights_organizations using gin (territories);
