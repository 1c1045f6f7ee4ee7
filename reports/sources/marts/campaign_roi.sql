select * from marts.campaign_roi
