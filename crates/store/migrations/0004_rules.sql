-- The rules of section 四(三): the county's versioned settings, the negative list, each park's
-- industrial orientation, unit ownership and tenancy with their full history, admission
-- applications with their review steps, enterprise status history (admission, exit steps),
-- exit-test figures, and public lotteries. Money in fen, prices and areas in hundredths.

CREATE TABLE rule_versions (
    version BIGINT PRIMARY KEY,
    rules_json TEXT NOT NULL,
    reason TEXT NOT NULL,
    username TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE negative_list (
    id {id},
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    note TEXT NOT NULL,
    UNIQUE (kind, value)
);

CREATE TABLE park_orientations (
    park_id BIGINT PRIMARY KEY REFERENCES parks (id),
    prefixes TEXT NOT NULL
);

ALTER TABLE units ADD COLUMN owner_id BIGINT;
ALTER TABLE units ADD COLUMN tenant_id BIGINT;
ALTER TABLE units ADD COLUMN purchased_on TEXT;
ALTER TABLE units ADD COLUMN deal TEXT;
ALTER TABLE units ADD COLUMN rent_x100 BIGINT;
ALTER TABLE units ADD COLUMN first_refusal BIGINT NOT NULL DEFAULT 0;
CREATE INDEX units_owner ON units (owner_id);
CREATE INDEX units_tenant ON units (tenant_id);

CREATE TABLE unit_events (
    id {id},
    unit_id BIGINT NOT NULL REFERENCES units (id),
    park_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    deal TEXT NOT NULL,
    party_id BIGINT,
    from_id BIGINT,
    price_x100 BIGINT,
    on_date TEXT NOT NULL,
    note TEXT NOT NULL,
    checks_json TEXT NOT NULL,
    rules_version BIGINT NOT NULL,
    username TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX unit_events_unit ON unit_events (unit_id);
CREATE INDEX unit_events_park ON unit_events (park_id, kind);

CREATE TABLE admissions (
    id {id},
    park_id BIGINT NOT NULL REFERENCES parks (id),
    enterprise_id BIGINT,
    credit_code TEXT NOT NULL,
    applicant_json TEXT NOT NULL,
    area_m2_x100 BIGINT NOT NULL,
    status TEXT NOT NULL,
    checks_json TEXT NOT NULL,
    rules_version BIGINT NOT NULL,
    applied_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX admissions_park ON admissions (park_id, status);
CREATE INDEX admissions_code ON admissions (credit_code);

CREATE TABLE admission_steps (
    id {id},
    admission_id BIGINT NOT NULL REFERENCES admissions (id),
    step TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    username TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX admission_steps_admission ON admission_steps (admission_id);

CREATE TABLE enterprise_events (
    id {id},
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    deadline TEXT,
    detail_json TEXT NOT NULL,
    username TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX enterprise_events_enterprise ON enterprise_events (enterprise_id);

CREATE TABLE exit_figures (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    year BIGINT NOT NULL,
    sales_x100 BIGINT NOT NULL,
    tax_x100 BIGINT NOT NULL,
    revenue_x100 BIGINT NOT NULL,
    investment_x100 BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, year)
);

CREATE TABLE lotteries (
    id {id},
    park_id BIGINT NOT NULL REFERENCES parks (id),
    title TEXT NOT NULL,
    unit_ids TEXT NOT NULL,
    applicants TEXT NOT NULL,
    list_hash TEXT NOT NULL,
    commitment TEXT NOT NULL,
    seed TEXT NOT NULL,
    result TEXT,
    drawn_at BIGINT,
    username TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX lotteries_park ON lotteries (park_id);
