select * from marts.data_quarantine
