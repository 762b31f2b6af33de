-- `/watch <url> [components]` adds a chat monitor that reads an official status page: a third kind,
-- `status-page`, whose `components` column holds the component names it counts (a JSON array of
-- strings; NULL for the other kinds). Same change as SQLite's migration 014.

ALTER TABLE chat_monitors DROP CONSTRAINT chat_monitors_kind_check;
ALTER TABLE chat_monitors
  ADD CONSTRAINT chat_monitors_kind_check CHECK (kind IN ('http', 'tcp', 'status-page'));
ALTER TABLE chat_monitors ADD COLUMN components TEXT;
