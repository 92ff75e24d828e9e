-- A push of policy notices counts, per park, the notices it has just written (they carry its
-- time) to tell the parks' webhooks: an index on that time keeps the count off a scan of every
-- notice ever sent.
CREATE INDEX policy_notices_created ON policy_notices (created_at);
