-- A version per table that the hot lists read before serving a page from an instance's
-- cache: every write to the table bumps it in the writing transaction (triggers, so writes
-- from anywhere count), and a page cached under an older version is never served.
CREATE TABLE table_versions (
    name    TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO table_versions (name, version) VALUES ('clients', 0);
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
