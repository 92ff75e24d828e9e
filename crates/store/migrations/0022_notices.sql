-- Notices that are not alarms (a service request overdue, enterprises of a park newly
-- qualifying for a policy), sent through the alarms' channel: in-app notifications to the
-- users concerned and deliveries to the webhooks of the park, township or county. A notice
-- keeps its topic and parameters, so each reader sees it in their language.
CREATE TABLE notices (
    id {id},
    topic TEXT NOT NULL,
    park_id BIGINT REFERENCES parks (id),
    severity BIGINT NOT NULL,
    params TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A notification and a delivery are of an alarm event or of a notice: both tables are made
-- again with the alarm's columns optional (the rows keep their order).
CREATE TABLE notifications_next (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users (id),
    alarm_id BIGINT REFERENCES alarms (id),
    event_id BIGINT REFERENCES alarm_events (id),
    notice_id BIGINT REFERENCES notices (id),
    created_at BIGINT NOT NULL,
    read_at BIGINT
);

INSERT INTO notifications_next (user_id, alarm_id, event_id, created_at, read_at)
SELECT user_id, alarm_id, event_id, created_at, read_at FROM notifications ORDER BY id;

DROP TABLE notifications;

ALTER TABLE notifications_next RENAME TO notifications;

CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

CREATE TABLE webhook_deliveries_next (
    id {id},
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
    alarm_id BIGINT REFERENCES alarms (id),
    event_id BIGINT REFERENCES alarm_events (id),
    notice_id BIGINT REFERENCES notices (id),
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    claimed_until BIGINT,
    delivered_at BIGINT,
    status BIGINT,
    last_error TEXT
);

INSERT INTO webhook_deliveries_next (webhook_id, alarm_id, event_id, created_at, attempts, next_at, claimed_until,
    delivered_at, status, last_error)
SELECT webhook_id, alarm_id, event_id, created_at, attempts, next_at, claimed_until, delivered_at, status, last_error
FROM webhook_deliveries ORDER BY id;

DROP TABLE webhook_deliveries;

ALTER TABLE webhook_deliveries_next RENAME TO webhook_deliveries;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (delivered_at, next_at);
