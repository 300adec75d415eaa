DROP TABLE proposal_decisions;
DROP TABLE proposal_versions;
DROP TABLE proposals;
DROP TABLE lead_stage_changes;
DROP TABLE leads;
UPDATE workflow_runs SET status = 'completed' WHERE status = 'waiting_approval';
CREATE TABLE workflow_runs_new (
    id          TEXT PRIMARY KEY NOT NULL,
    workflow_id TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    input       TEXT NOT NULL,
    steps       TEXT NOT NULL,
    client_id   TEXT REFERENCES clients (id) ON DELETE SET NULL,
    campaign_id TEXT REFERENCES campaigns (id) ON DELETE SET NULL,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    error       TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
INSERT INTO workflow_runs_new SELECT id, workflow_id, status, input, steps, client_id, campaign_id, created_by, error, created_at, updated_at, finished_at FROM workflow_runs;
DROP TABLE workflow_runs;
ALTER TABLE workflow_runs_new RENAME TO workflow_runs;
CREATE INDEX workflow_runs_workflow_status ON workflow_runs (workflow_id, status, created_at);
