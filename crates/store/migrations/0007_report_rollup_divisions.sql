-- Totals of the monthly reports per park, month, industry division (the first three characters
-- of the GB/T 4754 code, C34) and size, kept in the same transaction as every report write and
-- every change of an enterprise's industry or size. The county's analysis and dashboard read these
-- (a few hundred thousand rows at province scale) instead of millions of reports. They replace the
-- park x month totals, which are their sums. They are clustered by month, as the county's
-- questions are about periods. Only a tag or an industry finer than a division still
-- reads the reports.

CREATE TABLE report_rollup (
    park_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    division TEXT NOT NULL,
    size TEXT NOT NULL,
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
    PRIMARY KEY (month, park_id, division, size)
) {without_rowid};

CREATE INDEX report_rollup_park ON report_rollup (park_id, month);

INSERT INTO report_rollup (park_id, month, division, size, reports, s_output, s_revenue, s_sales, s_tax, s_tax_local, s_profit, s_electricity, s_energy, s_water, s_employees, s_rnd, s_investment, s_emissions, s_value_added)
SELECT r.park_id, r.month, SUBSTR(e.industry_code, 1, 3), e.size, COUNT(*), COALESCE(SUM(r.v_output), 0), COALESCE(SUM(r.v_revenue), 0), COALESCE(SUM(r.v_sales), 0), COALESCE(SUM(r.v_tax), 0), COALESCE(SUM(r.v_tax_local), 0), COALESCE(SUM(r.v_profit), 0), COALESCE(SUM(r.v_electricity), 0), COALESCE(SUM(r.v_energy), 0), COALESCE(SUM(r.v_water), 0), COALESCE(SUM(r.v_employees), 0), COALESCE(SUM(r.v_rnd), 0), COALESCE(SUM(r.v_investment), 0), COALESCE(SUM(r.v_emissions), 0), COALESCE(SUM(r.v_value_added), 0)
FROM enterprise_reports r JOIN enterprises e ON e.id = r.enterprise_id
GROUP BY r.park_id, r.month, SUBSTR(e.industry_code, 1, 3), e.size;

DROP TABLE report_park_months;

-- Bumped in the transaction of every report write, so that a server can tell whether an
-- analysis it computed is still current.
CREATE TABLE report_generation (
    id BIGINT PRIMARY KEY,
    n BIGINT NOT NULL
);

INSERT INTO report_generation (id, n) VALUES (1, 0);
