select * from marts.reference_ladders
