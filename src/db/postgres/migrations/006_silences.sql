-- `/silence <service> <duration>`: one service silenced in one chat until `ends_at` (epoch ms), as
-- SQLite's 016_silences.sql. The chat's outbox rows of that service wait meanwhile as `silenced`.

CREATE TABLE silences (
  chat_ref   BIGINT NOT NULL REFERENCES chats(ref) ON DELETE CASCADE,
  service_id TEXT NOT NULL,
  ends_at    BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (chat_ref, service_id)
);

ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
  CHECK (status IN ('pending', 'leased', 'sent', 'dead', 'held', 'planned', 'cancelled', 'silenced'));
