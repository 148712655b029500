-- listOffers?clubId=: a club's offers, newest first, without reading every offer of the catalog.
create index rm_catalog_offers_by_club on rm_catalog_offers (club_id, published_at desc, offer_id desc);
