select * from marts.promotion_sensitivity
