select * from marts.data_model_catalog
