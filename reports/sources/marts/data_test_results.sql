select * from marts.data_test_results
