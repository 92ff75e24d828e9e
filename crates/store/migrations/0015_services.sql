-- Online services to enterprises (企业线上服务): each park's and the county's catalogue (park_id
-- NULL: offered county-wide), requests with their deadlines and rating, the steps taken on each,
-- and attachments kept in the database (typed by their content).
CREATE TABLE services (
    id {id},
    park_id BIGINT REFERENCES parks (id),
    category TEXT NOT NULL,
    name TEXT NOT NULL,
    provider_kind TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    description TEXT NOT NULL,
    documents TEXT NOT NULL,
    response_hours BIGINT NOT NULL,
    completion_days BIGINT NOT NULL,
    active BIGINT NOT NULL,
    generated BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX services_park ON services (park_id);

CREATE TABLE service_requests (
    id {id},
    service_id BIGINT NOT NULL REFERENCES services (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    park_id BIGINT NOT NULL,
    township_code TEXT NOT NULL,
    detail TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    respond_by BIGINT NOT NULL,
    accepted_at BIGINT,
    complete_by BIGINT,
    completed_at BIGINT,
    closed_at BIGINT,
    rating BIGINT,
    escalated_at BIGINT,
    escalated_for TEXT,
    generated BIGINT NOT NULL
);
CREATE INDEX service_requests_state ON service_requests (state, respond_by);
CREATE INDEX service_requests_service ON service_requests (service_id);
CREATE INDEX service_requests_enterprise ON service_requests (enterprise_id);
CREATE INDEX service_requests_park ON service_requests (park_id);

CREATE TABLE service_request_steps (
    id {id},
    request_id BIGINT NOT NULL REFERENCES service_requests (id),
    step TEXT NOT NULL,
    note TEXT NOT NULL,
    by_user TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX service_request_steps_request ON service_request_steps (request_id, id);

CREATE TABLE service_attachments (
    id {id},
    request_id BIGINT NOT NULL REFERENCES service_requests (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data {blob} NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX service_attachments_request ON service_attachments (request_id);
