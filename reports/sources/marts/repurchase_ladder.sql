select * from marts.repurchase_ladder
