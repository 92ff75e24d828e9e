-- Alarms. Rules watch a device, a kind in a park or a kind in every park. An alarm is open
-- until it is cleared, and at most one alarm of a rule is open on a device at a time (the
-- partial unique index), whichever server raises it. Every step of an alarm is an event;
-- notifications (in the app) and webhook deliveries point at the event that caused them.
-- Deliveries are an outbox, written in the transaction of the event and sent after it.

CREATE TABLE alarm_rules (
    id {id},
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    device_id BIGINT REFERENCES devices (id),
    kind TEXT,
    park_id BIGINT REFERENCES parks (id),
    metric TEXT NOT NULL,
    cond TEXT NOT NULL,
    figure {real},
    severity TEXT NOT NULL,
    escalate_minutes BIGINT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE alarms (
    id {id},
    rule_id BIGINT NOT NULL REFERENCES alarm_rules (id),
    device_id BIGINT NOT NULL REFERENCES devices (id),
    park_id BIGINT NOT NULL REFERENCES parks (id),
    metric TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    level BIGINT NOT NULL,
    level_since BIGINT NOT NULL,
    raised_at BIGINT NOT NULL,
    first_ts BIGINT NOT NULL,
    first_value {real},
    last_ts BIGINT NOT NULL,
    last_value {real},
    peak_value {real},
    readings BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT,
    ack_comment TEXT,
    cleared_at BIGINT,
    cleared_ts BIGINT,
    cleared_by TEXT,
    clear_comment TEXT
);

CREATE UNIQUE INDEX alarms_open ON alarms (rule_id, device_id) WHERE cleared_at IS NULL;
CREATE INDEX alarms_park ON alarms (park_id, raised_at);
CREATE INDEX alarms_device ON alarms (device_id, cleared_at);

CREATE TABLE alarm_events (
    id {id},
    alarm_id BIGINT NOT NULL REFERENCES alarms (id),
    created_at BIGINT NOT NULL,
    event TEXT NOT NULL,
    level BIGINT NOT NULL,
    user_id BIGINT,
    username TEXT,
    comment TEXT,
    ts BIGINT,
    value {real}
);

CREATE INDEX alarm_events_alarm ON alarm_events (alarm_id, id);

CREATE TABLE notifications (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users (id),
    alarm_id BIGINT NOT NULL REFERENCES alarms (id),
    event_id BIGINT NOT NULL REFERENCES alarm_events (id),
    created_at BIGINT NOT NULL,
    read_at BIGINT
);

CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

CREATE TABLE webhooks (
    id {id},
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    format TEXT NOT NULL,
    level BIGINT NOT NULL,
    park_id BIGINT REFERENCES parks (id),
    township_code TEXT,
    min_severity BIGINT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id {id},
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
    alarm_id BIGINT NOT NULL REFERENCES alarms (id),
    event_id BIGINT NOT NULL REFERENCES alarm_events (id),
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    claimed_until BIGINT,
    delivered_at BIGINT,
    status BIGINT,
    last_error TEXT
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (delivered_at, next_at);

ALTER TABLE telemetry_settings ADD COLUMN recon_tolerance_pct {real} NOT NULL DEFAULT 10;
