-- Totals of the monthly reports per park and month, kept in the same transaction as every
-- report write, so that the county's analysis and dashboard read 1,200 × 36 rows instead of
-- millions. Filters on the enterprises (industry, size, tag) still read the reports.

CREATE TABLE report_park_months (
    park_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    reports BIGINT NOT NULL,
    s_output BIGINT NOT NULL,
    s_revenue BIGINT NOT NULL,
    s_sales BIGINT NOT NULL,
    s_tax BIGINT NOT NULL,
    s_tax_local BIGINT NOT NULL,
    s_profit BIGINT NOT NULL,
    s_electricity BIGINT NOT NULL,
    s_energy BIGINT NOT NULL,
    s_water BIGINT NOT NULL,
    s_employees BIGINT NOT NULL,
    s_rnd BIGINT NOT NULL,
    s_investment BIGINT NOT NULL,
    s_emissions BIGINT NOT NULL,
    s_value_added BIGINT NOT NULL,
    PRIMARY KEY (park_id, month)
);

INSERT INTO report_park_months (park_id, month, reports, s_output, s_revenue, s_sales, s_tax, s_tax_local, s_profit, s_electricity, s_energy, s_water, s_employees, s_rnd, s_investment, s_emissions, s_value_added)
SELECT park_id, month, COUNT(*), COALESCE(SUM(v_output), 0), COALESCE(SUM(v_revenue), 0), COALESCE(SUM(v_sales), 0), COALESCE(SUM(v_tax), 0), COALESCE(SUM(v_tax_local), 0), COALESCE(SUM(v_profit), 0), COALESCE(SUM(v_electricity), 0), COALESCE(SUM(v_energy), 0), COALESCE(SUM(v_water), 0), COALESCE(SUM(v_employees), 0), COALESCE(SUM(v_rnd), 0), COALESCE(SUM(v_investment), 0), COALESCE(SUM(v_emissions), 0), COALESCE(SUM(v_value_added), 0)
FROM enterprise_reports GROUP BY park_id, month;
