select * from marts.data_forecast_fits
