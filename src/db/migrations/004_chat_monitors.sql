-- Monitors added from chat. Each belongs to one community: a Discord guild or a Telegram
-- chat ('discord:guild:<id>', 'telegram:<chat id>', as crowd_reports.chat_key). Times are epoch ms.
CREATE TABLE chat_monitors (
  id          INTEGER PRIMARY KEY,
  owner_key   TEXT NOT NULL,
  platform    TEXT NOT NULL CHECK (platform IN ('telegram', 'discord')),
  -- The chat (channel) that added it: it is subscribed to the monitor's service.
  chat_id     TEXT NOT NULL,
  name        TEXT NOT NULL,
  -- Lower-cased name: unique per owner, what /monitor remove matches.
  name_key    TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('http', 'tcp')),
  -- As typed after normalisation: the URL (and keyword) or host:port; vetted again at every check.
  target      TEXT NOT NULL,
  interval_ms INTEGER NOT NULL CHECK (interval_ms > 0),
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (owner_key, name_key)
);

-- Who added or removed which monitor, and when; kept after the monitor is gone.
CREATE TABLE chat_monitor_audit (
  id         INTEGER PRIMARY KEY,
  owner_key  TEXT NOT NULL,
  monitor_id INTEGER NOT NULL,
  name       TEXT NOT NULL,
  target     TEXT NOT NULL,
  action     TEXT NOT NULL CHECK (action IN ('add', 'remove')),
  actor      TEXT NOT NULL,
  at         INTEGER NOT NULL
);
CREATE INDEX chat_monitor_audit_by_owner ON chat_monitor_audit (owner_key, at);
