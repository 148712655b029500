-- listBookings?subscriptionId=: the bookings made on one subscription, newest first (an HR tool
-- reconciling it), without reading through every booking the caller may see (a club's, the operator's).
create index rm_bookings_subscription on rm_bookings (subscription_id, requested_at desc, booking_id desc);
