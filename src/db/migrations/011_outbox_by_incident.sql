-- One outage, one conversation (src/core/delivery/grouping.ts, followUpPlan): a claim of a grouped alert's
-- updates and recoveries reads each shown incident's latest delivered row for the chat, and the
-- first news check reads an incident's unfinished rows ahead. The rows of one chat and incident in
-- id order.
CREATE INDEX outbox_by_chat_incident ON outbox (chat_ref, incident_id, id);
