-- The county's own yearly targets for each township, assessed beside its parks' plans in the
-- monthly supervision (五): enterprises admitted, 小升规, and tax per 亩 (万元/亩, in hundredths).
-- NULL is no target for that figure, and a township without any target has no row.
CREATE TABLE township_targets (
    year BIGINT NOT NULL,
    township_code TEXT NOT NULL,
    admitted BIGINT,
    scaled_up BIGINT,
    tax_per_mu_x100 BIGINT,
    PRIMARY KEY (year, township_code)
);
