select * from marts.payment_delays
