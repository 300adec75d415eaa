-- The sales pipeline as records: leads with their stage history, proposals with their
-- versions and the decisions taken on them (approvals, sending, the prospect's answer).
CREATE TABLE leads (
    id             TEXT PRIMARY KEY NOT NULL,
    company_name   TEXT NOT NULL,
    contact_name   TEXT,
    contact_role   TEXT,
    email          TEXT,
    phone          TEXT,
    website        TEXT,
    industry       TEXT,
    company_size   TEXT,
    budget_range   TEXT,
    timeline       TEXT,
    pain_points    TEXT NOT NULL,
    goals          TEXT NOT NULL,
    source         TEXT,
    notes          TEXT,
    owner_id       TEXT REFERENCES users (id) ON DELETE SET NULL,
    stage          TEXT NOT NULL CHECK (stage IN ('new', 'qualified', 'call_planned', 'proposal_sent', 'negotiation', 'won', 'lost')),
    lost_reason    TEXT,
    score          DOUBLE PRECISION,
    classification TEXT,
    client_id      TEXT REFERENCES clients (id) ON DELETE SET NULL,
    search_key     TEXT NOT NULL,
    created_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX leads_stage ON leads (stage, created_at);
CREATE INDEX leads_owner ON leads (owner_id, created_at);
CREATE TABLE lead_stage_changes (
    id         TEXT PRIMARY KEY NOT NULL,
    lead_id    TEXT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    from_stage TEXT,
    to_stage   TEXT NOT NULL,
    reason     TEXT,
    user_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    username   TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX lead_stage_changes_lead ON lead_stage_changes (lead_id, created_at);
CREATE TABLE proposals (
    id                 TEXT PRIMARY KEY NOT NULL,
    lead_id            TEXT REFERENCES leads (id) ON DELETE SET NULL,
    client_id          TEXT REFERENCES clients (id) ON DELETE SET NULL,
    company_name       TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'approved', 'sent', 'accepted', 'rejected', 'expired')),
    version            INTEGER NOT NULL,
    annual_value       DOUBLE PRECISION NOT NULL,
    required_approvals TEXT NOT NULL,
    approvals          TEXT NOT NULL,
    content            TEXT NOT NULL,
    task_id            TEXT,
    workflow_run_id    TEXT,
    created_by         TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    expires_at         TIMESTAMP NOT NULL,
    sent_at            TIMESTAMP
);
CREATE INDEX proposals_status ON proposals (status, created_at);
CREATE INDEX proposals_lead ON proposals (lead_id, created_at);
CREATE INDEX proposals_client ON proposals (client_id, created_at);
CREATE INDEX proposals_run ON proposals (workflow_run_id);
CREATE TABLE proposal_versions (
    proposal_id  TEXT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    annual_value DOUBLE PRECISION NOT NULL,
    task_id      TEXT,
    content      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (proposal_id, version)
);
CREATE TABLE proposal_decisions (
    id          TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    action      TEXT NOT NULL,
    gate        TEXT,
    comment     TEXT,
    user_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
    username    TEXT,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX proposal_decisions_proposal ON proposal_decisions (proposal_id, created_at);
-- A run whose proposal waits for a person's approval.
ALTER TABLE workflow_runs DROP CONSTRAINT workflow_runs_status_check;
ALTER TABLE workflow_runs ADD CONSTRAINT workflow_runs_status_check
    CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'waiting_approval'));
