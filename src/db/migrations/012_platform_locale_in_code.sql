-- foreign_keys: off
-- Which platforms and languages exist is decided by the code (the platform list, the catalogues), not
-- by CHECK constraints that a new platform or language would have to migrate. SQLite cannot drop a
-- constraint, so the three tables that carried one are rebuilt (SQLite's documented procedure: foreign
-- keys off for the copy, checked before the commit; the migration runner does both for a file that
-- starts with the line above). Columns, other constraints and indexes stay as they were.

CREATE TABLE chats_v12 (
  ref                INTEGER PRIMARY KEY,
  platform           TEXT NOT NULL,
  chat_id            TEXT NOT NULL,
  guild_id           TEXT,
  locale             TEXT NOT NULL,
  time_zone          TEXT NOT NULL,
  quiet_hours        TEXT,                     -- 'HH:MM-HH:MM' in time_zone; NULL = none
  muted_until        INTEGER,
  mention_role_id    TEXT,
  active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  deactivated_reason TEXT,
  deactivated_at     INTEGER,
  created_at         INTEGER NOT NULL,
  UNIQUE (platform, chat_id)
);
INSERT INTO chats_v12 (ref, platform, chat_id, guild_id, locale, time_zone, quiet_hours, muted_until,
                       mention_role_id, active, deactivated_reason, deactivated_at, created_at)
  SELECT ref, platform, chat_id, guild_id, locale, time_zone, quiet_hours, muted_until,
         mention_role_id, active, deactivated_reason, deactivated_at, created_at FROM chats;
DROP TABLE chats;
ALTER TABLE chats_v12 RENAME TO chats;

CREATE TABLE outbox_v12 (
  id                  INTEGER PRIMARY KEY,
  platform            TEXT NOT NULL,
  chat_ref            INTEGER NOT NULL REFERENCES chats(ref) ON DELETE CASCADE,
  event_id            INTEGER NOT NULL REFERENCES outbox_events(id),
  incident_id         INTEGER NOT NULL,
  event_kind          TEXT NOT NULL CHECK (event_kind IN ('opened', 'reopened', 'updated', 'resolved')),
  status              TEXT NOT NULL CHECK (status IN ('pending', 'leased', 'sent', 'dead', 'held')),
  attempts            INTEGER NOT NULL DEFAULT 0,
  next_attempt_at     INTEGER NOT NULL,
  lease_until         INTEGER,
  lease_token         TEXT,
  last_error          TEXT,
  created_at          INTEGER NOT NULL,
  sent_at             INTEGER,
  platform_message_id TEXT,
  thread_id           TEXT
);
INSERT INTO outbox_v12 (id, platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
                        next_attempt_at, lease_until, lease_token, last_error, created_at, sent_at,
                        platform_message_id, thread_id)
  SELECT id, platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
         next_attempt_at, lease_until, lease_token, last_error, created_at, sent_at,
         platform_message_id, thread_id FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v12 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (platform, status, next_attempt_at);
CREATE INDEX outbox_chat_open ON outbox (chat_ref, id) WHERE status IN ('pending', 'leased', 'held');
CREATE INDEX outbox_by_event ON outbox (event_id);
CREATE INDEX outbox_by_chat ON outbox (chat_ref, id);
CREATE INDEX outbox_by_chat_incident ON outbox (chat_ref, incident_id, id);

CREATE TABLE chat_monitors_v12 (
  id          INTEGER PRIMARY KEY,
  owner_key   TEXT NOT NULL,
  platform    TEXT NOT NULL,
  chat_id     TEXT NOT NULL,
  name        TEXT NOT NULL,
  name_key    TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('http', 'tcp')),
  target      TEXT NOT NULL,
  interval_ms INTEGER NOT NULL CHECK (interval_ms > 0),
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (owner_key, name_key)
);
INSERT INTO chat_monitors_v12 (id, owner_key, platform, chat_id, name, name_key, kind, target,
                               interval_ms, created_by, created_at)
  SELECT id, owner_key, platform, chat_id, name, name_key, kind, target,
         interval_ms, created_by, created_at FROM chat_monitors;
DROP TABLE chat_monitors;
ALTER TABLE chat_monitors_v12 RENAME TO chat_monitors;
