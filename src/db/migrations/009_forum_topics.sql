-- Telegram forum topics: a subscription remembers the topic (`message_thread_id`) it was made in,
-- and its alerts go there. NULL is the chat itself (a forum's General topic, every other chat).
-- An outbox row carries the topic it goes to, decided at fan-out; a message reference the topic its
-- incident's alert was sent to, so the incident's updates and recovery follow it there.
ALTER TABLE subscriptions ADD COLUMN thread_id TEXT;
ALTER TABLE outbox ADD COLUMN thread_id TEXT;
ALTER TABLE message_refs ADD COLUMN thread_id TEXT;
-- Whether any topic is in use at all, asked before each fan-out: chats without topics (most) then
-- skip the per-chat topic lookups.
CREATE INDEX subscriptions_in_topics ON subscriptions (chat_ref) WHERE thread_id IS NOT NULL;
CREATE INDEX message_refs_in_topics ON message_refs (chat_ref) WHERE thread_id IS NOT NULL;
