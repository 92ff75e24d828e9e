-- Foundation: parks, buildings, units, enterprises (minimal), users, sessions, login failures, audit log.
-- {id} and {real} are replaced per backend (see schema.rs). Money in fen, areas in hundredths.

CREATE TABLE parks (
    id {id},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    township_code TEXT NOT NULL,
    status TEXT NOT NULL,
    land_mu_x100 BIGINT NOT NULL,
    building_area_m2_x100 BIGINT NOT NULL,
    leading_industries TEXT NOT NULL,
    enterprise_count BIGINT NOT NULL,
    development_model TEXT NOT NULL,
    park_type TEXT NOT NULL,
    progress_note TEXT NOT NULL,
    lat {real},
    lon {real},
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX parks_township ON parks (township_code);

CREATE TABLE buildings (
    id {id},
    park_id BIGINT NOT NULL REFERENCES parks (id),
    name TEXT NOT NULL,
    floors BIGINT NOT NULL,
    generated BIGINT NOT NULL,
    UNIQUE (park_id, name)
);

CREATE TABLE units (
    id {id},
    park_id BIGINT NOT NULL REFERENCES parks (id),
    building_id BIGINT NOT NULL REFERENCES buildings (id),
    floor BIGINT NOT NULL,
    number TEXT NOT NULL,
    area_m2_x100 BIGINT NOT NULL,
    space_type TEXT NOT NULL,
    generated BIGINT NOT NULL,
    UNIQUE (building_id, number)
);
CREATE INDEX units_park ON units (park_id);

CREATE TABLE enterprises (
    id {id},
    park_id BIGINT NOT NULL REFERENCES parks (id),
    name TEXT NOT NULL UNIQUE,
    credit_code TEXT NOT NULL,
    generated BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX enterprises_park ON enterprises (park_id);

CREATE TABLE users (
    id {id},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    township_code TEXT,
    park_id BIGINT REFERENCES parks (id),
    enterprise_id BIGINT REFERENCES enterprises (id),
    lang TEXT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    id {id},
    username TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at_ms);

CREATE TABLE audit_log (
    id {id},
    at_ms BIGINT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    park_id BIGINT,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_park ON audit_log (park_id);
