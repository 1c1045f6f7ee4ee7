select * from marts.data_test_summary
