-- Until this version, removing a chat monitor during an outage left its incident open for good
-- (the engine now closes it on removal). Close those: status unknown (nobody saw the service
-- recover), ended when the monitor was removed as the audit trail records it.
UPDATE incidents
SET status = 'unknown',
    resolved_at = coalesce(
      (SELECT max(a.at) FROM chat_monitor_audit a
       WHERE a.action = 'remove' AND 'chat-' || a.monitor_id = incidents.service_id),
      updated_at),
    updated_at = coalesce(
      (SELECT max(a.at) FROM chat_monitor_audit a
       WHERE a.action = 'remove' AND 'chat-' || a.monitor_id = incidents.service_id),
      updated_at)
WHERE resolved_at IS NULL
  AND service_id LIKE 'chat-%'
  AND service_id NOT IN (SELECT 'chat-' || id FROM chat_monitors);
