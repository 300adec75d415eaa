-- A version per table that the hot lists read before serving a page from an instance's
-- cache: every write to the table bumps it in the writing transaction (a trigger, so writes
-- from anywhere count), and a page cached under an older version is never served.
-- The version is the sum of 16 slots; a write bumps the slot of its connection, so
-- concurrent writers do not queue on one row lock (the sum still only grows, and changes
-- exactly when a write commits).
CREATE TABLE table_versions (
    name    TEXT NOT NULL,
    slot    INTEGER NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (name, slot)
);
INSERT INTO table_versions (name, slot, version)
    SELECT 'clients', s, 0 FROM generate_series(0, 15) AS s;
CREATE FUNCTION bump_clients_version() RETURNS trigger AS $$
BEGIN
    UPDATE table_versions SET version = version + 1
        WHERE name = 'clients' AND slot = pg_backend_pid() % 16;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER clients_version AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION bump_clients_version();
