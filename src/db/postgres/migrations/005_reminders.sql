-- Still-down reminders (`/settings remind`, src/core/delivery/reminders.ts): the pace a chat chose,
-- in minutes (30, 60, 120 or 240, checked by the command); NULL = off, the default. The same column
-- as SQLite's migration 015.
ALTER TABLE chats ADD COLUMN remind_minutes INTEGER;
