-- A version per table that the hot lists read before serving a page from an instance's
-- cache: every write to the table bumps it in the writing transaction (a trigger, so writes
-- from anywhere count), and a page cached under an older version is never served.
CREATE TABLE table_versions (
    name    TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO table_versions (name, version) VALUES ('clients', 0);
CREATE FUNCTION bump_clients_version() RETURNS trigger AS $$
BEGIN
    UPDATE table_versions SET version = version + 1 WHERE name = 'clients';
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER clients_version AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION bump_clients_version();
