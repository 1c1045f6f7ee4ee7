select * from marts.rfm_score_ties
