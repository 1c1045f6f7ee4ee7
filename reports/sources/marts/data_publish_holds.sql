select * from marts.data_publish_holds
