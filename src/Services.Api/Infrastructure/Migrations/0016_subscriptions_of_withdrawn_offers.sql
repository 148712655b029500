-- The reaction that ends the subscriptions of withdrawn offers looks for them every few seconds:
-- withdrawn offers are few, and so are the active subscriptions of each.
create index rm_catalog_offers_withdrawn on rm_catalog_offers (offer_id) where status = 'withdrawn';
create index rm_subscriptions_active_by_offer on rm_subscriptions (offer_id) where status = 'active';
