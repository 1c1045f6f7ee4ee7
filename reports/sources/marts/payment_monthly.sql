select * from marts.payment_monthly
