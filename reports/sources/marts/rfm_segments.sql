select * from marts.rfm_segments
