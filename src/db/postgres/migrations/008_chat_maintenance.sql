-- `/maintenance <monitor> <start> <duration>`: a planned maintenance window of one chat monitor, as
-- SQLite's 018_chat_maintenance.sql. One window per monitor, deleted with it.

CREATE TABLE chat_maintenance (
  monitor_id BIGINT PRIMARY KEY,
  owner_key  TEXT NOT NULL,
  starts_at  BIGINT NOT NULL,
  ends_at    BIGINT NOT NULL CHECK (ends_at > starts_at),
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
