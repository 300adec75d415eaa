-- A version per table that the hot lists read before serving a page from an instance's
-- cache: every write to the table bumps it in the writing transaction (triggers, so writes
-- from anywhere count), and a page cached under an older version is never served.
-- (SQLite has one writer at a time: one slot. PostgreSQL spreads writers over 16.)
CREATE TABLE table_versions (
    name    TEXT NOT NULL,
    slot    INTEGER NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (name, slot)
);
INSERT INTO table_versions (name, slot, version) VALUES ('clients', 0, 0);
CREATE TRIGGER clients_version_insert AFTER INSERT ON clients
BEGIN
    UPDATE table_versions SET version = version + 1 WHERE name = 'clients';
END;
CREATE TRIGGER clients_version_update AFTER UPDATE ON clients
BEGIN
    UPDATE table_versions SET version = version + 1 WHERE name = 'clients';
END;
CREATE TRIGGER clients_version_delete AFTER DELETE ON clients
BEGIN
    UPDATE table_versions SET version = version + 1 WHERE name = 'clients';
END;
