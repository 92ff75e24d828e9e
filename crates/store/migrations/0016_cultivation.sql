-- The cultivation library (梯次培育库): each enterprise's liaison officer, the visits recorded and
-- the follow-up tasks. The tiers are the enterprises' registry marks, and candidates are computed.
CREATE TABLE cultivation_liaisons (
    enterprise_id BIGINT PRIMARY KEY REFERENCES enterprises (id),
    liaison TEXT NOT NULL,
    phone TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL
);

CREATE TABLE cultivation_visits (
    id {id},
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    visited_on TEXT NOT NULL,
    summary TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX cultivation_visits_enterprise ON cultivation_visits (enterprise_id, visited_on);

CREATE TABLE cultivation_tasks (
    id {id},
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    title TEXT NOT NULL,
    due_on TEXT NOT NULL,
    done_at BIGINT,
    done_by TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX cultivation_tasks_enterprise ON cultivation_tasks (enterprise_id, done_at);
