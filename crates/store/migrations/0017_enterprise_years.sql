-- Each enterprise's totals per calendar year, kept in the transaction of every report write
-- (as report_rollup is for parks): what the per-mu evaluation of a calendar year and the policy
-- matching read, instead of grouping a year of monthly reports per enterprise each time.
CREATE TABLE enterprise_years (
    enterprise_id BIGINT NOT NULL,
    year BIGINT NOT NULL,
    months BIGINT NOT NULL,
    revenue BIGINT,
    tax BIGINT,
    tax_local BIGINT,
    profit BIGINT,
    value_added BIGINT,
    energy BIGINT,
    emissions BIGINT,
    electricity BIGINT,
    water BIGINT,
    rnd BIGINT,
    employees BIGINT,
    employee_months BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, year)
);
CREATE INDEX enterprise_years_year ON enterprise_years (year);

INSERT INTO enterprise_years (enterprise_id, year, months, revenue, tax, tax_local, profit, value_added, energy,
    emissions, electricity, water, rnd, employees, employee_months)
SELECT enterprise_id, CAST(SUBSTR(month, 1, 4) AS BIGINT), COUNT(*), SUM(v_revenue), SUM(v_tax), SUM(v_tax_local),
    SUM(v_profit), SUM(v_value_added), SUM(v_energy), SUM(v_emissions), SUM(v_electricity), SUM(v_water), SUM(v_rnd),
    SUM(v_employees), COUNT(v_employees)
FROM enterprise_reports GROUP BY enterprise_id, CAST(SUBSTR(month, 1, 4) AS BIGINT);
