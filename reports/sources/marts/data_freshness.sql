select * from marts.data_freshness
