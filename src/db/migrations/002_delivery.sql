-- Delivery: chats and their subscriptions, the outbox, and the message each incident's alert lives in.
-- Times are epoch milliseconds. See docs/design.md §4 and src/core/delivery/ports.ts.

-- One row per chat (Discord channel, Telegram chat, console). Outbox rows and message references point
-- at `ref`, so a chat id rewrite (Telegram group → supergroup) is one UPDATE here.
CREATE TABLE chats (
  ref                INTEGER PRIMARY KEY,
  platform           TEXT NOT NULL CHECK (platform IN ('telegram', 'discord', 'console')),
  chat_id            TEXT NOT NULL,
  guild_id           TEXT,
  locale             TEXT NOT NULL CHECK (locale IN ('en', 'bn')),
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

CREATE TABLE subscriptions (
  chat_ref     INTEGER NOT NULL REFERENCES chats(ref) ON DELETE CASCADE,
  service_id   TEXT NOT NULL,                  -- '*' = every service
  min_severity TEXT NOT NULL CHECK (min_severity IN ('minor', 'major')),
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (chat_ref, service_id)
) WITHOUT ROWID;
CREATE INDEX subscriptions_by_service ON subscriptions (service_id, chat_ref);

-- The event each outbox row delivers, stored once however many chats it fans out to.
CREATE TABLE outbox_events (
  id           INTEGER PRIMARY KEY,
  incident_id  INTEGER NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('opened', 'reopened', 'updated', 'resolved')),
  payload_json TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);

-- One row per (event, chat). pending → leased → sent | pending (retry) | dead | held (quiet hours, mute).
-- A leased row's next_attempt_at equals lease_until: past it, the lease is expired and reclaimable.
CREATE TABLE outbox (
  id                  INTEGER PRIMARY KEY,
  platform            TEXT NOT NULL CHECK (platform IN ('telegram', 'discord', 'console')),
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
  platform_message_id TEXT
);
-- Claims: due rows per platform and status, oldest due first.
CREATE INDEX outbox_due ON outbox (platform, status, next_attempt_at);
-- Per-chat order: the chat's unfinished rows by id (the "is there an earlier one?" check).
CREATE INDEX outbox_chat_open ON outbox (chat_ref, id) WHERE status IN ('pending', 'leased', 'held');
CREATE INDEX outbox_by_event ON outbox (event_id);

-- The platform message of an incident's alert in a chat: updates edit it, the recovery replies to it.
-- Rows are created when the opening alert is queued (message_id NULL until it is sent), so they also
-- say which chats were told about the incident: those get its updates and recovery.
CREATE TABLE message_refs (
  chat_ref    INTEGER NOT NULL REFERENCES chats(ref) ON DELETE CASCADE,
  incident_id INTEGER NOT NULL,
  message_id  TEXT,
  editable    INTEGER NOT NULL DEFAULT 0 CHECK (editable IN (0, 1)),
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (chat_ref, incident_id)
) WITHOUT ROWID;
CREATE INDEX message_refs_by_incident ON message_refs (incident_id, chat_ref);
