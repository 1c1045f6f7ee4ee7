select * from marts.forecast_p_alive_bands
