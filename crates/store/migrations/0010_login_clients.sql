-- Login failures are counted per account and client address (and per client over all
-- accounts), so that failures from one address never lock the account's owner out elsewhere.
ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_client ON login_failures (client, at_ms);
