-- SQLite migration 0008: several servers on one database claim an outbox message before
-- sending it; the claims of the last minute are the robots' shared rate limit.
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
CREATE INDEX outbox_channel_recent ON outbox(channel, claimed_at);
