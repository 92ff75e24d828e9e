-- Star applications (星级评定): the park applies with its self-assessment, its township endorses
-- or refuses, the county awards one or two stars or recommends three or more to the city.
CREATE TABLE star_applications (
    id {id},
    park_id BIGINT NOT NULL,
    stars BIGINT NOT NULL,
    self_assessment TEXT NOT NULL,
    status TEXT NOT NULL,
    applied_by TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    township_note TEXT NOT NULL,
    township_by TEXT,
    township_at BIGINT,
    county_note TEXT NOT NULL,
    county_by TEXT,
    county_at BIGINT
);
CREATE INDEX star_applications_park ON star_applications (park_id);
