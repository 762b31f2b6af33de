-- `/maintenance <monitor> <start> <duration>`: a planned maintenance window of one chat monitor
-- (`chat_monitors.id`), from `starts_at` (inclusive) to `ends_at` (exclusive), epoch ms. One window
-- per monitor: setting another replaces it, `/maintenance cancel` deletes it, and removing the
-- monitor deletes it with the monitor. The engine treats it as a services-file window of the
-- monitor's service (`chat-<id>`). `owner_key` is the community that set it, as in `chat_monitors`.

CREATE TABLE chat_maintenance (
  monitor_id INTEGER PRIMARY KEY,
  owner_key  TEXT NOT NULL,
  starts_at  INTEGER NOT NULL,
  ends_at    INTEGER NOT NULL CHECK (ends_at > starts_at),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
