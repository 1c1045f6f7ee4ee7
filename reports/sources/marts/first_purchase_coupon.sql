select * from marts.first_purchase_coupon
