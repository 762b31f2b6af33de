-- Discord incident threads: the incident's thread was deleted (a post in it was answered Unknown
-- Channel). Its next update starts a new thread from the alert message, which clears the mark
-- (1 = deleted; 0, the default, otherwise).
ALTER TABLE message_refs ADD COLUMN alert_thread_gone INTEGER NOT NULL DEFAULT 0;
