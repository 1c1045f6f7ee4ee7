select * from marts.product_repurchase_cycle
