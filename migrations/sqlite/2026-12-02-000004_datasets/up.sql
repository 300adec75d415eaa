-- Datasets: the exports an agency imports for a client (search performance, backlinks,
-- traffic), one record per file, and its typed rows. The same file (sha256) is stored once
-- per client.
CREATE TABLE datasets (
    id            TEXT PRIMARY KEY NOT NULL,
    client_id     TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    campaign_id   TEXT REFERENCES campaigns (id) ON DELETE SET NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('search_performance', 'backlinks', 'traffic')),
    source        TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    period_from   TEXT,
    period_to     TEXT,
    rows_accepted INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    errors        TEXT NOT NULL,
    summary       TEXT NOT NULL,
    created_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (client_id, sha256)
);
CREATE INDEX datasets_client_kind ON datasets (client_id, kind, created_at);
-- One row of a dataset: its dimension (query, page, country, device, date,
-- search_appearance, backlink, or the traffic report's dimension), period (current or
-- previous), key, and the typed row as JSON.
CREATE TABLE dataset_rows (
    dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    n          INTEGER NOT NULL,
    dimension  TEXT NOT NULL,
    period     TEXT NOT NULL,
    row_key    TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (dataset_id, n)
);
CREATE INDEX dataset_rows_dimension ON dataset_rows (dataset_id, dimension, period, n);
