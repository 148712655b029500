-- listBookings?beneficiaryRef=: a person's bookings, as their company refers to them, newest first,
-- without reading through every booking the caller may see (a club's, a provider's, the operator's).
create index rm_bookings_beneficiary on rm_bookings (beneficiary_ref, requested_at desc, booking_id desc);
