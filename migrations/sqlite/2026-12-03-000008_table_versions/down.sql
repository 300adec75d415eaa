DROP TRIGGER clients_version_insert;
DROP TRIGGER clients_version_update;
DROP TRIGGER clients_version_delete;
DROP TABLE table_versions;
