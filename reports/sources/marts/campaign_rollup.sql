select * from marts.campaign_rollup
