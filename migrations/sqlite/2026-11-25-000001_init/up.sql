-- SQLite schema. Keep table and column names identical to migrations/postgres
-- (a test diffs them). UUIDs and JSON are TEXT; timestamps are naive UTC.
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    email         TEXT NOT NULL,
    full_name     TEXT,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'operator')),
    is_active     BOOLEAN NOT NULL DEFAULT 1,
    last_login    TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE clients (
    id             TEXT PRIMARY KEY NOT NULL,
    company_name   TEXT NOT NULL,
    name_key       TEXT NOT NULL UNIQUE,
    industry       TEXT,
    industry_key   TEXT,
    website        TEXT,
    annual_revenue BIGINT,
    employee_count BIGINT,
    country        TEXT,
    contact_person TEXT,
    contact_email  TEXT,
    contact_phone  TEXT,
    metadata       TEXT NOT NULL DEFAULT '{}',
    search_key     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX clients_created_at ON clients (created_at);
CREATE INDEX clients_country ON clients (country);

CREATE TABLE campaigns (
    id            TEXT PRIMARY KEY NOT NULL,
    client_id     TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    campaign_type TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'completed', 'cancelled')),
    domain        TEXT,
    keywords      TEXT NOT NULL DEFAULT '[]',
    start_date    DATE,
    end_date      DATE,
    budget        DOUBLE PRECISION,
    objectives    TEXT NOT NULL DEFAULT '[]',
    config        TEXT NOT NULL DEFAULT '{}',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (client_id, name_key)
);
CREATE INDEX campaigns_status ON campaigns (status);
CREATE INDEX campaigns_domain ON campaigns (domain);
CREATE INDEX campaigns_created_at ON campaigns (created_at);

CREATE TABLE tasks (
    id               TEXT PRIMARY KEY NOT NULL,
    agent_id         TEXT NOT NULL,
    task_type        TEXT NOT NULL,
    input            TEXT NOT NULL,
    priority         INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled', 'timed_out')),
    output           TEXT,
    error            TEXT,
    progress         INTEGER NOT NULL DEFAULT 0,
    campaign_id      TEXT REFERENCES campaigns (id) ON DELETE SET NULL,
    client_id        TEXT REFERENCES clients (id) ON DELETE SET NULL,
    parent_id        TEXT REFERENCES tasks (id) ON DELETE SET NULL,
    created_by       TEXT REFERENCES users (id) ON DELETE SET NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    timeout_seconds  INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMP,
    run_after        TIMESTAMP NOT NULL,
    duration_ms      BIGINT,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    started_at       TIMESTAMP,
    finished_at      TIMESTAMP
);
CREATE INDEX tasks_claim ON tasks (priority DESC, created_at) WHERE status = 'pending';
CREATE INDEX tasks_lease ON tasks (lease_expires_at) WHERE status = 'running';
CREATE INDEX tasks_status ON tasks (status);
CREATE INDEX tasks_agent ON tasks (agent_id);
CREATE INDEX tasks_campaign ON tasks (campaign_id);
CREATE INDEX tasks_created_at ON tasks (created_at);
