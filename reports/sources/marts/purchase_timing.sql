select * from marts.purchase_timing
