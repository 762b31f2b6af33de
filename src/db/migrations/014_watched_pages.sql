-- foreign_keys: off
-- `/watch <url> [components]` adds a chat monitor that reads an official status page: a third kind,
-- `status-page`, whose `components` column holds the component names it counts (a JSON array of
-- strings; NULL for the other kinds). SQLite cannot change a CHECK constraint, so the table is rebuilt
-- as migration 012 rebuilt it; columns, constraints and ids stay as they were.

CREATE TABLE chat_monitors_v15 (
  id          INTEGER PRIMARY KEY,
  owner_key   TEXT NOT NULL,
  platform    TEXT NOT NULL,
  chat_id     TEXT NOT NULL,
  name        TEXT NOT NULL,
  name_key    TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('http', 'tcp', 'status-page')),
  target      TEXT NOT NULL,
  interval_ms INTEGER NOT NULL CHECK (interval_ms > 0),
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  components  TEXT,
  UNIQUE (owner_key, name_key)
);
INSERT INTO chat_monitors_v15 (id, owner_key, platform, chat_id, name, name_key, kind, target,
                               interval_ms, created_by, created_at, components)
  SELECT id, owner_key, platform, chat_id, name, name_key, kind, target,
         interval_ms, created_by, created_at, NULL FROM chat_monitors;
DROP TABLE chat_monitors;
ALTER TABLE chat_monitors_v15 RENAME TO chat_monitors;
