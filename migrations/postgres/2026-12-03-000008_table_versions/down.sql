DROP TRIGGER clients_version ON clients;
DROP FUNCTION bump_clients_version();
DROP TABLE table_versions;
