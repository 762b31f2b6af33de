-- foreign_keys: off
-- Still-down reminders (`/settings remind`, src/core/delivery/reminders.ts): the pace a chat chose,
-- in minutes (30, 60, 120 or 240, checked by the command); NULL = off, the default.
ALTER TABLE chats ADD COLUMN remind_minutes INTEGER;

-- Reminders go out through the outbox: a row of event kind `reminder`, planned with its due time
-- (status `planned`: not yet due, and unlike `pending` it keeps no later row of the chat waiting),
-- `cancelled` when the incident's recovery is planned. SQLite cannot change a CHECK constraint, so
-- both outbox tables are rebuilt as migration 012 rebuilt them: columns, ids, rows and indexes stay.
CREATE TABLE outbox_events_v15 (
  id           INTEGER PRIMARY KEY,
  incident_id  INTEGER NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('opened', 'reopened', 'updated', 'resolved', 'reminder')),
  payload_json TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);
INSERT INTO outbox_events_v15 (id, incident_id, kind, payload_json, created_at)
  SELECT id, incident_id, kind, payload_json, created_at FROM outbox_events;

CREATE TABLE outbox_v15 (
  id                  INTEGER PRIMARY KEY,
  platform            TEXT NOT NULL,
  chat_ref            INTEGER NOT NULL REFERENCES chats(ref) ON DELETE CASCADE,
  event_id            INTEGER NOT NULL REFERENCES outbox_events(id),
  incident_id         INTEGER NOT NULL,
  event_kind          TEXT NOT NULL
                        CHECK (event_kind IN ('opened', 'reopened', 'updated', 'resolved', 'reminder')),
  status              TEXT NOT NULL
                        CHECK (status IN ('pending', 'leased', 'sent', 'dead', 'held', 'planned', 'cancelled')),
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
INSERT INTO outbox_v15 (id, platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
                        next_attempt_at, lease_until, lease_token, last_error, created_at, sent_at,
                        platform_message_id, thread_id)
  SELECT id, platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
         next_attempt_at, lease_until, lease_token, last_error, created_at, sent_at,
         platform_message_id, thread_id FROM outbox;
DROP TABLE outbox;
DROP TABLE outbox_events;
ALTER TABLE outbox_events_v15 RENAME TO outbox_events;
ALTER TABLE outbox_v15 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (platform, status, next_attempt_at);
CREATE INDEX outbox_chat_open ON outbox (chat_ref, id) WHERE status IN ('pending', 'leased', 'held');
CREATE INDEX outbox_by_event ON outbox (event_id);
CREATE INDEX outbox_by_chat ON outbox (chat_ref, id);
CREATE INDEX outbox_by_chat_incident ON outbox (chat_ref, incident_id, id);
