-- Enterprise operation monitoring. Every civil day each enterprise in a park gets one row: what
-- its bound electricity meters counted, its baseline (the same weekday over recent weeks), the
-- status the county's settings give it and its streak of stopped working days. Days are numbered
-- from 1970-01-01 in Asia/Shanghai. A stop (so many stopped working days in a row) raises an alarm
-- of a rule with the condition 'stopped' on the enterprise's meter, so it reaches the operator
-- and the township through the alarms' notifications and webhooks, and is cleared when the
-- enterprise runs again. A township may mark a stop explained with a reason.

CREATE TABLE operation_settings (
    id BIGINT PRIMARY KEY,
    settings_json TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE enterprise_days (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    day BIGINT NOT NULL,
    park_id BIGINT NOT NULL REFERENCES parks (id),
    day_kind TEXT NOT NULL,
    meters BIGINT NOT NULL,
    use_kwh {real},
    baseline_kwh {real},
    status TEXT NOT NULL,
    streak BIGINT NOT NULL,
    streak_since BIGINT,
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, day)
) {without_rowid};

CREATE INDEX enterprise_days_park ON enterprise_days (park_id, day, status);
CREATE INDEX enterprise_days_day ON enterprise_days (day, status);

-- The day's counts per park and status, written with the day's rows, so that the county's
-- trend over 90 days reads thousands of rows, not millions.
CREATE TABLE operation_park_days (
    park_id BIGINT NOT NULL REFERENCES parks (id),
    day BIGINT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (park_id, day, status)
) {without_rowid};

CREATE INDEX operation_park_days_day ON operation_park_days (day);

CREATE TABLE operation_stops (
    id {id},
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    park_id BIGINT NOT NULL REFERENCES parks (id),
    alarm_id BIGINT REFERENCES alarms (id),
    first_day BIGINT NOT NULL,
    raised_day BIGINT NOT NULL,
    raised_at BIGINT NOT NULL,
    cleared_day BIGINT,
    cleared_at BIGINT,
    explained_at BIGINT,
    explained_by TEXT,
    reason TEXT,
    comment TEXT
);

CREATE UNIQUE INDEX operation_stops_open ON operation_stops (enterprise_id) WHERE cleared_at IS NULL;
CREATE INDEX operation_stops_park ON operation_stops (park_id, raised_at);

INSERT INTO alarm_rules (name, scope, device_id, kind, park_id, metric, cond, figure, severity, escalate_minutes, active, created_at, updated_at)
VALUES ('企业停产', 'kind', NULL, 'electricity_meter', NULL, 'energy_kwh', 'stopped', 0, 'warning', 1440, 1, 0, 0);
