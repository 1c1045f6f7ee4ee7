select * from marts.campaign_roi_by_segment
