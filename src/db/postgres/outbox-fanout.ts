import type pg from 'pg';
import { type GatherDelays, dueAt, dueDependsOnChat, gatherDelays } from '../../core/delivery/grouping.js';
import type { IncidentEvent } from '../../core/events.js';
import { recipientParams } from '../sqlite-subscription-store.js';

/** The fan-out's options: the outbox's gather delays (as SqliteOutboxStore's options give them). */
export interface FanOutOptions {
  readonly gatherMs?: number | undefined;
  readonly followUpGatherMs?: number | undefined;
}

/**
 * The chats an event goes to, as a condition on `chats c` (PostgreSQL's twin of SQLite's
 * RECIPIENTS_WHERE, parameters $1 to $5 of {@link recipientValues}): active chats that either
 * subscribe to the service (or the wildcard) at a severity the event meets, or were told about
 * the incident already (they have a message reference). A `resolved` event only goes to the latter.
 */
export const PG_RECIPIENTS_WHERE = `c.active AND c.ref IN (
    SELECT s.chat_ref FROM subscriptions s
     WHERE $1::boolean AND s.service_id IN ($2::text, $3::text) AND (s.min_severity = 'minor' OR $4::text = 'major')
    UNION
    SELECT m.chat_ref FROM message_refs m WHERE m.incident_id = $5::bigint)`;

/**
 * The forum topic an event goes to in chat `c` (SQLite's RECIPIENT_THREAD, same parameters): the
 * topic of the incident's alert when the chat was told about it already, otherwise the topic of the
 * subscription that matched, the service's own before the all-services one. The lookups are skipped
 * when no topic is in use anywhere (an uncorrelated sub-query: evaluated once per statement).
 */
export const PG_RECIPIENT_THREAD = `CASE
  WHEN NOT (EXISTS (SELECT 1 FROM subscriptions WHERE thread_id IS NOT NULL)
            OR EXISTS (SELECT 1 FROM message_refs WHERE thread_id IS NOT NULL)) THEN NULL
  WHEN EXISTS (SELECT 1 FROM message_refs m WHERE m.chat_ref = c.ref AND m.incident_id = $5::bigint)
  THEN (SELECT m.thread_id FROM message_refs m WHERE m.chat_ref = c.ref AND m.incident_id = $5::bigint)
  ELSE (SELECT s.thread_id FROM subscriptions s
         WHERE s.chat_ref = c.ref AND s.service_id IN ($2::text, $3::text)
           AND (s.min_severity = 'minor' OR $4::text = 'major')
         ORDER BY s.service_id = $2::text DESC LIMIT 1)
  END`;

/** The values of $1 to $5 of {@link PG_RECIPIENTS_WHERE}: SQLite's `recipientParams`, positional. */
export function recipientValues(event: IncidentEvent): [boolean, string, string, string, number] {
  const p = recipientParams(event);
  return [
    p['matchNew'] === 1,
    String(p['serviceId']),
    String(p['wildcard']),
    String(p['severity']),
    Number(p['incidentId']),
  ];
}

/**
 * The facts of a chat that grouping's `dueAt` reads for an update, as SQL over `c`: whether the chat
 * has a reference of the incident, whether it names a delivered message, is editable, is joinable,
 * and whether rows of the incident are queued for the chat still to go out.
 */
const CHAT_FACTS = `EXISTS (SELECT 1 FROM message_refs g WHERE g.chat_ref = c.ref AND g.incident_id = $5::bigint) AS has_ref,
  (SELECT g.message_id IS NOT NULL FROM message_refs g WHERE g.chat_ref = c.ref AND g.incident_id = $5::bigint) AS delivered,
  (SELECT g.editable FROM message_refs g WHERE g.chat_ref = c.ref AND g.incident_id = $5::bigint) AS editable,
  (SELECT g.joinable FROM message_refs g WHERE g.chat_ref = c.ref AND g.incident_id = $5::bigint) AS joinable,
  EXISTS (SELECT 1 FROM outbox p WHERE p.chat_ref = c.ref AND p.incident_id = $5::bigint
    AND p.status IN ('pending', 'leased', 'held') AND p.event_kind <> 'reminder') AS queued`;

/** One combination of the facts {@link CHAT_FACTS} gives, with grouping's due time for it. */
interface DueCase {
  readonly hasRef: boolean;
  readonly delivered: boolean;
  readonly editable: boolean;
  readonly joinable: boolean;
  readonly queued: boolean;
  readonly due: number;
}

/**
 * Grouping's `dueAt` for every combination of facts a chat can present for an update (no reference,
 * or one with or without a delivered message, editable or not, joinable or not; rows queued ahead
 * or not: 18 cases). `dueAt` reads a reference's message only as present or absent, so a stand-in
 * message id stands for every delivered one.
 */
function dueTable(event: IncidentEvent, delays: GatherDelays): DueCase[] {
  const cases: DueCase[] = [];
  const flags = [false, true];
  for (const queued of flags) {
    cases.push({
      hasRef: false,
      delivered: false,
      editable: false,
      joinable: false,
      queued,
      due: dueAt(event, delays, { ref: null, queuedAhead: queued }),
    });
    for (const delivered of flags)
      for (const editable of flags)
        for (const joinable of flags)
          cases.push({
            hasRef: true,
            delivered,
            editable,
            joinable,
            queued,
            due: dueAt(event, delays, {
              ref: { messageId: delivered ? 'message' : null, editable, joinable },
              queuedAhead: queued,
            }),
          });
  }
  return cases;
}

/**
 * The fan-out of one incident event, in the caller's transaction (it holds BEGIN/COMMIT, so the
 * incident change and its outbox rows commit together): PostgreSQL's twin of
 * SqliteOutboxStore.enqueueIncidentEvent. Inserts the event, one `pending` outbox row per recipient
 * chat ({@link PG_RECIPIENTS_WHERE}, in chat order, in the chat's forum topic) and, unless the event
 * is a recovery, the chats' message references (no message yet) that later updates and the recovery
 * find the chats by. Set-based: one INSERT for the rows and their references however many chats.
 *
 * Each row is due when grouping's `dueAt` says. For openings and recoveries that is one time for
 * every chat. An update's depends on what the chat has of the incident: the due time is computed in
 * JS by `dueAt` itself for each of the 18 combinations of those facts ({@link dueTable}) and joined
 * in SQL by the chat's facts, so the rule stays grouping's alone (no SQL copy of it) and the fan-out
 * stays one statement (no per-chat round trip, no function installed in the database).
 * Returns the number of rows queued.
 */
export async function enqueueIncidentEventIn(
  client: pg.ClientBase,
  event: IncidentEvent,
  options: FanOutOptions = {},
): Promise<number> {
  const delays = gatherDelays(options);
  const inserted = await client.query<{ id: number }>(
    'INSERT INTO outbox_events (incident_id, kind, payload_json, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
    [event.incidentId, event.kind, JSON.stringify(event), event.at],
  );
  const eventId = Number(inserted.rows[0]?.id);
  const recipients = recipientValues(event);
  // $6 event id, $7 kind, $8 created at; $9 the references are added (not for a recovery).
  const common = [...recipients, eventId, event.kind, event.at, event.kind !== 'resolved'];
  let due: string;
  let values: unknown[];
  if (!dueDependsOnChat(event.kind)) {
    due = '$10::bigint';
    values = [...common, dueAt(event, delays)];
  } else {
    const table = dueTable(event, delays);
    due = `(SELECT d.due FROM unnest($10::boolean[], $11::boolean[], $12::boolean[], $13::boolean[],
               $14::boolean[], $15::bigint[]) AS d (has_ref, delivered, editable, joinable, queued, due)
             WHERE d.has_ref = f.has_ref AND d.delivered IS NOT DISTINCT FROM f.delivered
               AND d.editable IS NOT DISTINCT FROM f.editable AND d.joinable IS NOT DISTINCT FROM f.joinable
               AND d.queued = f.queued)`;
    values = [
      ...common,
      table.map((t) => t.hasRef),
      table.map((t) => (t.hasRef ? t.delivered : null)),
      table.map((t) => (t.hasRef ? t.editable : null)),
      table.map((t) => (t.hasRef ? t.joinable : null)),
      table.map((t) => t.queued),
      table.map((t) => t.due),
    ];
  }
  // Facts of each recipient (read before this statement's own rows, like SQLite's sub-queries).
  const facts = dueDependsOnChat(event.kind) ? `, LATERAL (SELECT ${CHAT_FACTS}) f` : '';
  const result = await client.query<{ queued: string }>(
    `WITH fanned AS (
       INSERT INTO outbox (platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
         next_attempt_at, created_at, thread_id)
       SELECT c.platform, c.ref, $6::bigint, $5::bigint, $7::text, 'pending', 0, ${due}, $8::bigint,
         ${PG_RECIPIENT_THREAD}
       FROM chats c ${facts} WHERE ${PG_RECIPIENTS_WHERE} ORDER BY c.ref
       RETURNING chat_ref, incident_id, created_at, thread_id),
     refs AS (
       INSERT INTO message_refs (chat_ref, incident_id, message_id, editable, created_at, thread_id)
       SELECT chat_ref, incident_id, NULL, FALSE, created_at, thread_id FROM fanned WHERE $9::boolean
       ON CONFLICT (chat_ref, incident_id) DO NOTHING)
     SELECT count(*) AS queued FROM fanned`,
    values,
  );
  // The recovery ends the incident's still-down reminders (one in flight ends at its settlement).
  if (event.kind === 'resolved')
    await client.query(
      `UPDATE outbox SET status = 'cancelled', lease_until = NULL, lease_token = NULL
       WHERE incident_id = $1 AND event_kind = 'reminder' AND status IN ('planned', 'pending')`,
      [event.incidentId],
    );
  return Number(result.rows[0]?.queued ?? 0);
}
