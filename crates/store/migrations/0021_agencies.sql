-- Registered third-party service agencies (第三方服务机构): the county keeps the registry, and
-- an agency's own login sees and answers the requests for its services and nothing of any
-- park. The agencies already named by agency services become registered agencies.
CREATE TABLE agencies (
    id {id},
    name TEXT NOT NULL UNIQUE,
    contact TEXT NOT NULL,
    active BIGINT NOT NULL,
    generated BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

ALTER TABLE services ADD COLUMN agency_id BIGINT REFERENCES agencies (id);

ALTER TABLE users ADD COLUMN agency_id BIGINT REFERENCES agencies (id);

INSERT INTO agencies (name, contact, active, generated, created_at)
SELECT provider_name, '', 1, MAX(generated), 0 FROM services WHERE provider_kind = 'agency' GROUP BY provider_name;

UPDATE services SET agency_id = (SELECT a.id FROM agencies a WHERE a.name = services.provider_name)
WHERE provider_kind = 'agency';

CREATE INDEX services_agency ON services (agency_id);
