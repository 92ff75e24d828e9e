-- 亩均论英雄: the per-mu evaluation. An enterprise may register its own parcel (亩) and the
-- floor area it occupies when no unit of the registry records it. The method is a versioned
-- county setting. A run keeps, per enterprise, the figures it read and the result it gave, so a
-- published run never changes when a report is corrected later.
ALTER TABLE enterprises ADD COLUMN land_mu_x100 BIGINT;
ALTER TABLE enterprises ADD COLUMN floor_area_m2_x100 BIGINT;

CREATE TABLE evaluation_methods (
    version BIGINT PRIMARY KEY,
    method_json TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE evaluation_runs (
    id {id},
    first_month TEXT NOT NULL,
    last_month TEXT NOT NULL,
    method_version BIGINT NOT NULL,
    status TEXT NOT NULL,
    benchmarks_json TEXT NOT NULL,
    judged BIGINT NOT NULL,
    excluded BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    published_at BIGINT,
    published_by TEXT
);

CREATE TABLE evaluation_results (
    run_id BIGINT NOT NULL,
    enterprise_id BIGINT NOT NULL,
    park_id BIGINT NOT NULL,
    township_code TEXT NOT NULL,
    grp TEXT NOT NULL,
    class TEXT,
    score_x100 BIGINT,
    rank_no BIGINT,
    low_efficiency BIGINT NOT NULL,
    detail_json TEXT NOT NULL,
    PRIMARY KEY (run_id, enterprise_id)
);
CREATE INDEX evaluation_results_park ON evaluation_results (run_id, park_id);
CREATE INDEX evaluation_results_township ON evaluation_results (run_id, township_code);

CREATE TABLE evaluation_objections (
    id {id},
    run_id BIGINT NOT NULL,
    enterprise_id BIGINT NOT NULL,
    park_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT NOT NULL,
    answered_by TEXT,
    answered_at BIGINT
);
CREATE INDEX evaluation_objections_run ON evaluation_objections (run_id);
