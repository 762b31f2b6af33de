-- Discord incident threads (`/settings threads on|off`): whether the channel wants a thread started
-- from each incident's alert message (0 = off, the default), and, on the incident's message
-- reference, the thread started from its alert. That thread is no forum topic: `thread_id` says
-- where the alert itself went (Telegram), `alert_thread_id` where its later updates are posted too.
ALTER TABLE chats ADD COLUMN threads INTEGER NOT NULL DEFAULT 0;
ALTER TABLE message_refs ADD COLUMN alert_thread_id TEXT;
