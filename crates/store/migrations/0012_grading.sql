-- Park grading (园区绩效评价) and stars (星级评定). The rubric is a versioned county setting. A
-- grading keeps, per park, what the platform measured when it was computed. Reviewers' scores
-- are kept apart, so the grade follows them until the county publishes.
CREATE TABLE grading_rubrics (
    version BIGINT PRIMARY KEY,
    rubric_json TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE gradings (
    id {id},
    year BIGINT NOT NULL,
    rubric_version BIGINT NOT NULL,
    rubric_json TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    published_at BIGINT,
    published_by TEXT
);

CREATE TABLE grading_parks (
    grading_id BIGINT NOT NULL,
    park_id BIGINT NOT NULL,
    township_code TEXT NOT NULL,
    input_json TEXT NOT NULL,
    PRIMARY KEY (grading_id, park_id)
);

CREATE TABLE grading_reviews (
    grading_id BIGINT NOT NULL,
    park_id BIGINT NOT NULL,
    dimension TEXT NOT NULL,
    score_x100 BIGINT NOT NULL,
    evidence TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (grading_id, park_id, dimension)
);
