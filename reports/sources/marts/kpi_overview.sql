select * from marts.kpi_overview
