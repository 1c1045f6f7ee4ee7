select * from marts.data_runs
