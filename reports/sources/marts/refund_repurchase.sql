select * from marts.refund_repurchase
