-- The subscription list shows why a subscription was cancelled (end_reason: on_request, membership_removed or
-- offer_withdrawn). Cancellations recorded before carry no reason, so their rows keep it null, as a rebuild leaves them.
alter table rm_subscriptions add column if not exists end_reason text;
