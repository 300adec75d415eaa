-- Technical audits as records: the figures (scores, counts) and the snapshot (every crawled
-- URL and every failed check) of each audit, kept per campaign up to the configured
-- retention.
CREATE TABLE audits (
    id          TEXT PRIMARY KEY NOT NULL,
    task_id     TEXT REFERENCES tasks (id) ON DELETE SET NULL,
    client_id   TEXT REFERENCES clients (id) ON DELETE CASCADE,
    campaign_id TEXT REFERENCES campaigns (id) ON DELETE CASCADE,
    summary     TEXT NOT NULL,
    snapshot    TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX audits_campaign ON audits (campaign_id, created_at);
CREATE INDEX audits_client ON audits (client_id, created_at);
