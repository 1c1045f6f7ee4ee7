select * from marts.new_vs_returning_monthly
