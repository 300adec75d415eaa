-- Workflow runs: one record per run of a workflow graph; its steps are child tasks that
-- carry the run id and their step name.
CREATE TABLE workflow_runs (
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
CREATE INDEX workflow_runs_workflow_status ON workflow_runs (workflow_id, status, created_at);
-- No REFERENCES here: SQLite cannot drop a foreign-key column (down.sql). Runs are never deleted.
ALTER TABLE tasks ADD COLUMN workflow_run_id TEXT;
ALTER TABLE tasks ADD COLUMN workflow_step TEXT;
CREATE INDEX tasks_workflow_run ON tasks (workflow_run_id);
