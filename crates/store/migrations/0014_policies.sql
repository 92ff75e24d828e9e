-- Policies and incentives (政策兑现): the county's policy library with structured eligibility
-- and a formula (JSON of weiyuan_domain::policies), the notices pushed to enterprises that
-- qualify (read or not), and applications with their review steps (township, then county).
CREATE TABLE policies (
    id {id},
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    benefit TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    criteria_json TEXT NOT NULL,
    formula_json TEXT NOT NULL,
    status TEXT NOT NULL,
    generated BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    published_at BIGINT,
    published_by TEXT
);

CREATE TABLE policy_notices (
    policy_id BIGINT NOT NULL REFERENCES policies (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    PRIMARY KEY (policy_id, enterprise_id)
);
CREATE INDEX policy_notices_enterprise ON policy_notices (enterprise_id, read_at);

CREATE TABLE policy_applications (
    id {id},
    policy_id BIGINT NOT NULL REFERENCES policies (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    park_id BIGINT NOT NULL,
    township_code TEXT NOT NULL,
    status TEXT NOT NULL,
    basis_year BIGINT NOT NULL,
    amount_x100 BIGINT,
    assessment_json TEXT NOT NULL,
    statement TEXT NOT NULL,
    generated BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX policy_applications_policy ON policy_applications (policy_id, enterprise_id);
CREATE INDEX policy_applications_status ON policy_applications (status, township_code);
CREATE INDEX policy_applications_enterprise ON policy_applications (enterprise_id);

CREATE TABLE policy_application_steps (
    id {id},
    application_id BIGINT NOT NULL REFERENCES policy_applications (id),
    stage TEXT NOT NULL,
    decision TEXT NOT NULL,
    comment TEXT NOT NULL,
    by_user TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX policy_application_steps_app ON policy_application_steps (application_id, id);
