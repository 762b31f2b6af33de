-- Grouping across check rounds (src/core/delivery/grouping.ts, mergeTarget): a later opening alert joins the chat's
-- latest alert message by editing it, so a claim reads the chat's delivered rows and the incidents of
-- one message. Neither had an index: the rows of one chat in id order (all statuses), and the
-- incidents a message shows.
CREATE INDEX outbox_by_chat ON outbox (chat_ref, id);
CREATE INDEX message_refs_by_message ON message_refs (chat_ref, message_id);
-- 1 when the message is an alert (single or grouped) that a later opening alert may join; 0 for a
-- quiet-hours summary, which stays as it was sent.
ALTER TABLE message_refs ADD COLUMN joinable INTEGER NOT NULL DEFAULT 0 CHECK (joinable IN (0, 1));
