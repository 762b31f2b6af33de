-- foreign_keys: off
-- `/silence <service> <duration>`: one service silenced in one chat until `ends_at` (epoch ms). While
-- it lasts, the chat's outbox rows of that service are set aside as `silenced` (due at the silence's
-- end); they no longer keep the chat's other rows waiting, as `held` rows of a mute do. When it ends,
-- an incident still open in them goes out as an alert, and one that opened and resolved inside is
-- dropped (src/core/delivery/silences.ts). SQLite cannot change a CHECK constraint, so the outbox is
-- rebuilt as migration 012 rebuilt it, with `silenced` among its statuses; columns, ids and indexes
-- stay as they were.

CREATE TABLE silences (
  chat_ref   INTEGER NOT NULL REFERENCES chats(ref) ON DELETE CASCADE,
  service_id TEXT NOT NULL,
  ends_at    INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (chat_ref, service_id)
);

CREATE TABLE outbox_v16 (
  id                  INTEGER PRIMARY KEY,
  platform            TEXT NOT NULL,
  chat_ref            INTEGER NOT NULL REFERENCES chats(ref) ON DELETE CASCADE,
  event_id            INTEGER NOT NULL REFERENCES outbox_events(id),
  incident_id         INTEGER NOT NULL,
  event_kind          TEXT NOT NULL
                        CHECK (event_kind IN ('opened', 'reopened', 'updated', 'resolved', 'reminder')),
  status              TEXT NOT NULL
                        CHECK (status IN ('pending', 'leased', 'sent', 'dead', 'held', 'planned', 'cancelled', 'silenced')),
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
INSERT INTO outbox_v16 (id, platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
                        next_attempt_at, lease_until, lease_token, last_error, created_at, sent_at,
                        platform_message_id, thread_id)
  SELECT id, platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
         next_attempt_at, lease_until, lease_token, last_error, created_at, sent_at,
         platform_message_id, thread_id FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v16 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (platform, status, next_attempt_at);
CREATE INDEX outbox_chat_open ON outbox (chat_ref, id) WHERE status IN ('pending', 'leased', 'held');
CREATE INDEX outbox_by_event ON outbox (event_id);
CREATE INDEX outbox_by_chat ON outbox (chat_ref, id);
CREATE INDEX outbox_by_chat_incident ON outbox (chat_ref, incident_id, id);
