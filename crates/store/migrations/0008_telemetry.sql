-- Park monitoring. Devices belong to a park (and optionally a building, unit or enterprise) and
-- authenticate with their own token, kept as a SHA-256 hash. Readings are keyed by device,
-- metric and time, so a reading sent twice is stored once. Rollups per 5 minutes, hour and day
-- (count, min, max, sum, last) are updated in the transaction that stores the readings, so live
-- pages and charts never scan raw readings. County-defined kinds add to the built-in ones.

CREATE TABLE device_kinds (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    metrics_json TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE devices (
    id {id},
    park_id BIGINT NOT NULL REFERENCES parks(id),
    building_id BIGINT,
    unit_id BIGINT,
    enterprise_id BIGINT,
    kind TEXT NOT NULL,
    serial TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    last_seen_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE INDEX devices_park ON devices (park_id);

CREATE TABLE readings (
    device_id BIGINT NOT NULL,
    metric TEXT NOT NULL,
    ts BIGINT NOT NULL,
    value {real} NOT NULL,
    PRIMARY KEY (device_id, metric, ts)
) {without_rowid};

CREATE TABLE reading_rollups (
    device_id BIGINT NOT NULL,
    metric TEXT NOT NULL,
    bucket TEXT NOT NULL,
    start_ts BIGINT NOT NULL,
    park_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    vmin {real} NOT NULL,
    vmax {real} NOT NULL,
    vsum {real} NOT NULL,
    vlast {real} NOT NULL,
    last_ts BIGINT NOT NULL,
    PRIMARY KEY (device_id, metric, bucket, start_ts)
) {without_rowid};

CREATE INDEX reading_rollups_park ON reading_rollups (park_id, bucket, start_ts);

CREATE TABLE telemetry_settings (
    id BIGINT PRIMARY KEY,
    raw_retention_days BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

INSERT INTO telemetry_settings (id, raw_retention_days, updated_at) VALUES (1, 90, 0);
