select * from marts.member_forecast_summary
