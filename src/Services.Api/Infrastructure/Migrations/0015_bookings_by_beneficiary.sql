-- listBookings?beneficiaryRef=: a person's bookings, as their company refers to them, newest first,
-- without reading through the company's whole history.
create index rm_bookings_beneficiary on rm_bookings (company_id, beneficiary_ref, requested_at desc, booking_id desc);
