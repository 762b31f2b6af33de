-- Discord incident threads (`/settings threads on|off`): the same columns as SQLite's migration 019.
-- `chats.threads`: a thread is started from each incident's alert (false = off, the default);
-- `message_refs.alert_thread_id`: the thread started from the incident's alert in that chat.
ALTER TABLE chats ADD COLUMN threads BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE message_refs ADD COLUMN alert_thread_id TEXT;
