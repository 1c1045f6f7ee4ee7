select * from marts.cohort_retention
