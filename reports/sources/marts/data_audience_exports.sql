select * from marts.data_audience_exports
