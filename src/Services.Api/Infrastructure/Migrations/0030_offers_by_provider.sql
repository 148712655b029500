-- listOffers?providerId=: the offers a provider delivers, without reading every offer of the catalog.
create index rm_catalog_offers_providers on rm_catalog_offers using gin (provider_ids);
