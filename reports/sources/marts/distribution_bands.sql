select * from marts.distribution_bands
