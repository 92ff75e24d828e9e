-- Construction progress: yearly plans (annexes 6 and 7), the plan baseline, yearly actual output,
-- monthly progress reports by townships, and park milestones.

CREATE TABLE park_plans (
    park_id BIGINT NOT NULL REFERENCES parks (id),
    year BIGINT NOT NULL,
    land_supply_mu_x100 BIGINT,
    construction_start_mu_x100 BIGINT,
    completion_m2_x100 BIGINT,
    output_fen BIGINT,
    PRIMARY KEY (park_id, year)
);

CREATE TABLE park_plan_baselines (
    park_id BIGINT PRIMARY KEY REFERENCES parks (id),
    supplied_land_mu_x100 BIGINT,
    started_land_mu_x100 BIGINT,
    responsible TEXT NOT NULL
);

CREATE TABLE park_year_output (
    park_id BIGINT NOT NULL REFERENCES parks (id),
    year BIGINT NOT NULL,
    output_fen BIGINT NOT NULL,
    generated BIGINT NOT NULL,
    PRIMARY KEY (park_id, year)
);

CREATE TABLE progress_reports (
    id {id},
    park_id BIGINT NOT NULL REFERENCES parks (id),
    month TEXT NOT NULL,
    land_supplied_mu_x100 BIGINT NOT NULL,
    started_mu_x100 BIGINT NOT NULL,
    completed_m2_x100 BIGINT NOT NULL,
    enterprises_moved_in BIGINT NOT NULL,
    investment_fen BIGINT NOT NULL,
    problems TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    submitted_by TEXT NOT NULL,
    generated BIGINT NOT NULL,
    UNIQUE (park_id, month)
);
CREATE INDEX progress_reports_month ON progress_reports (month);

CREATE TABLE park_milestones (
    id {id},
    park_id BIGINT NOT NULL REFERENCES parks (id),
    phase TEXT NOT NULL,
    kind TEXT NOT NULL,
    planned_date TEXT,
    actual_date TEXT,
    generated BIGINT NOT NULL,
    UNIQUE (park_id, phase, kind)
);

-- The county's quantified targets (e.g. the Pingyang plan's 2022 targets), in hundredths.
CREATE TABLE county_targets (
    key TEXT PRIMARY KEY,
    value_x100 BIGINT NOT NULL,
    unit TEXT NOT NULL,
    text TEXT NOT NULL,
    position BIGINT NOT NULL
);
