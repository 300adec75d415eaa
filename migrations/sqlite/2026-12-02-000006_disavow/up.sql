-- Entries an operator keeps out of a client's disavow file (`domain:host` or a URL).
CREATE TABLE disavow_exclusions (
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    entry      TEXT NOT NULL,
    reason     TEXT,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (client_id, entry)
);
