select * from marts.purchase_hours
