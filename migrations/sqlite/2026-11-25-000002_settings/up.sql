-- Server-wide settings that must survive restarts and be shared by instances
-- (e.g. the generated JWT secret when JWT_SECRET_KEY is not set).
CREATE TABLE app_settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
