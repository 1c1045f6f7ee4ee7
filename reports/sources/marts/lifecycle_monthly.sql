select * from marts.lifecycle_monthly
