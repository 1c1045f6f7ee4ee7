select * from marts.forecast_fits
