-- Monthly enterprise reports (报表报送): one row per enterprise and month, each figure in its
-- reporting unit (万元, kWh, tce, m³, 人, t) as hundredths, NULL where not reported. A correction
-- keeps the earlier version, with its reason, in enterprise_report_versions.

CREATE TABLE enterprise_reports (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    park_id BIGINT NOT NULL REFERENCES parks (id),
    month TEXT NOT NULL,
    v_output BIGINT,
    v_revenue BIGINT,
    v_sales BIGINT,
    v_tax BIGINT,
    v_tax_local BIGINT,
    v_profit BIGINT,
    v_electricity BIGINT,
    v_energy BIGINT,
    v_water BIGINT,
    v_employees BIGINT,
    v_rnd BIGINT,
    v_investment BIGINT,
    v_emissions BIGINT,
    v_value_added BIGINT,
    version BIGINT NOT NULL,
    reason TEXT NOT NULL,
    first_submitted_at BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    submitted_by TEXT NOT NULL,
    late BIGINT NOT NULL,
    generated BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, month)
);
CREATE INDEX enterprise_reports_park_month ON enterprise_reports (park_id, month);
CREATE INDEX enterprise_reports_month ON enterprise_reports (month);

CREATE TABLE enterprise_report_versions (
    id {id},
    enterprise_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    version BIGINT NOT NULL,
    figures_json TEXT NOT NULL,
    reason TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    submitted_by TEXT NOT NULL
);
CREATE INDEX enterprise_report_versions_key ON enterprise_report_versions (enterprise_id, month);
