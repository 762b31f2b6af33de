-- Discord incident threads: the same column as SQLite's migration 021. `alert_thread_gone`: the
-- incident's thread was deleted, so its next update starts a new one from the alert message.
ALTER TABLE message_refs ADD COLUMN alert_thread_gone BOOLEAN NOT NULL DEFAULT FALSE;
