-- Still-down reminders (`/settings remind`, src/core/delivery/reminders.ts): the pace a chat chose,
-- in minutes (30, 60, 120 or 240, checked by the command); NULL = off, the default. The same column
-- as SQLite's migration 015.
ALTER TABLE chats ADD COLUMN remind_minutes INTEGER;

-- Reminders go out through the outbox: a row of event kind `reminder`, planned with its due time
-- (status `planned`: not yet due, and unlike `pending` it keeps no later row of the chat waiting),
-- `cancelled` when the incident's recovery is planned. The same constraints as SQLite's migration 015.
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_kind_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_kind_check
  CHECK (kind IN ('opened', 'reopened', 'updated', 'resolved', 'reminder'));
ALTER TABLE outbox DROP CONSTRAINT outbox_event_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_event_kind_check
  CHECK (event_kind IN ('opened', 'reopened', 'updated', 'resolved', 'reminder'));
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
  CHECK (status IN ('pending', 'leased', 'sent', 'dead', 'held', 'planned', 'cancelled'));
