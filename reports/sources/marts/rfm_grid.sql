select * from marts.rfm_grid
