-- Live boards (`/board`): one message per chat listing the chat's subscribed services and their
-- states, edited as they change (src/core/board.ts). `status`: `active` is the chat's board (at most
-- one per chat); `moved` (replaced by a newer `/board`) and `off` (`/board off`) wait for their last
-- edit, which says the board is no longer updated, and are then deleted. `due_at`: when the board
-- needs a post or an edit (NULL: up to date); a service's state change sets it, and `marks` counts
-- those changes so that an edit made meanwhile does not clear a newer one. `shown`: the text the
-- message shows (an unchanged rendering is not sent again). Leases as in the outbox.
CREATE TABLE boards (
  id          INTEGER PRIMARY KEY,
  platform    TEXT NOT NULL,
  chat_id     TEXT NOT NULL,
  thread_id   TEXT,
  message_id  TEXT,
  status      TEXT NOT NULL CHECK (status IN ('active', 'moved', 'off')),
  created_at  INTEGER NOT NULL,
  due_at      INTEGER,
  marks       INTEGER NOT NULL DEFAULT 0,
  edited_at   INTEGER,
  shown       TEXT,
  attempts    INTEGER NOT NULL DEFAULT 0,
  lease_token TEXT,
  lease_until INTEGER
);
CREATE UNIQUE INDEX boards_one_per_chat ON boards (platform, chat_id) WHERE status = 'active';
CREATE INDEX boards_due ON boards (platform, due_at) WHERE due_at IS NOT NULL;
