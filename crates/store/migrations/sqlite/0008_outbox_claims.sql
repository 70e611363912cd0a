-- Several servers on one database: a server claims an outbox message before sending it, so
-- that no other server sends it too; the claims and sends of the last minute are the robots'
-- shared rate limit.
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
CREATE INDEX outbox_channel_recent ON outbox(channel, claimed_at);
