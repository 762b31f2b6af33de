import {
  type IncidentNote,
  type NoteAddOutcome,
  type NoteInput,
  type NoteMark,
  type NoteStore,
  NOTE_RECENT_MS,
} from '../core/incident-notes.js';
import type { IncidentEvent } from '../core/events.js';
import type { Db } from './database.js';
import { type IncidentRecord, type IncidentRow, toIncident } from './sqlite-query-store.js';

/** An `incident_notes` row (both backends). */
export interface NoteRow {
  id: number;
  incident_id: number;
  service_id: string;
  at: number;
  author_name: string;
  mark: NoteMark | null;
  body: string;
}

export function toNote(r: NoteRow): IncidentNote {
  return {
    id: Number(r.id),
    incidentId: Number(r.incident_id),
    serviceId: r.service_id,
    at: Number(r.at),
    authorName: r.author_name,
    mark: r.mark,
    text: r.body,
  };
}

/**
 * The incident a note attaches to (both backends): the open one, or the latest if it resolved
 * within a day. `rows` are the service's newest incidents, open first (at most two suffice).
 */
export function noteTarget(rows: readonly IncidentRow[], at: number): IncidentRecord | null {
  const first = rows[0];
  if (first === undefined) return null;
  const incident = toIncident(first);
  if (incident.resolvedAt === null) return incident;
  return at - incident.resolvedAt <= NOTE_RECENT_MS ? incident : null;
}

/** Open first, then the latest: the incident a note attaches to is the first row. */
export const NOTE_TARGET_SQL = `SELECT * FROM incidents WHERE service_id = ?
  ORDER BY (resolved_at IS NULL) DESC, started_at DESC LIMIT 1`;

/** The latest stored event of an incident: the alert a note's `updated` event is built on. */
export const LATEST_EVENT_SQL =
  'SELECT payload_json FROM incident_events WHERE incident_id = ? ORDER BY id DESC LIMIT 1';

/**
 * The `updated` event that shows a note in an open incident's alerts (both backends): the incident's
 * latest event (its service name, group and evidence) with the note, at the note's time. None for a
 * resolved incident (its alert says it recovered; the page and the API show the note) or one with no
 * stored event.
 */
export function noteEvent(
  incident: IncidentRecord,
  payloadJson: string | undefined,
  note: IncidentNote,
): IncidentEvent | null {
  if (incident.resolvedAt !== null || payloadJson === undefined) return null;
  const latest = JSON.parse(payloadJson) as IncidentEvent;
  return {
    kind: 'updated',
    incidentId: incident.id,
    serviceId: incident.serviceId,
    serviceName: latest.serviceName,
    group: latest.group,
    severity: incident.severity,
    status: incident.status,
    startedAt: incident.startedAt,
    at: note.at,
    evidence: incident.evidence,
    note: { authorName: note.authorName, mark: note.mark, text: note.text },
  };
}

/** Where a note's `updated` event is queued: the outbox (`enqueueIncidentEvent`). */
export interface NoteEventSink {
  enqueueIncidentEvent(event: IncidentEvent): unknown;
}

/**
 * `/note`'s store on SQLite (migration 013). With `outbox`, a note on an open incident queues its
 * `updated` event in the note's own transaction.
 */
export class SqliteNoteStore implements NoteStore {
  private readonly stmt;

  constructor(
    private readonly db: Db,
    private readonly outbox?: NoteEventSink,
  ) {
    this.stmt = {
      latestEvent: db.prepare(LATEST_EVENT_SQL),
      target: db.prepare(NOTE_TARGET_SQL),
      insert: db.prepare(
        `INSERT INTO incident_notes (incident_id, service_id, at, author_platform, author_id, author_name, mark, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  addNote(input: NoteInput): NoteAddOutcome {
    return this.db.transaction((): NoteAddOutcome => {
      const incident = noteTarget(this.stmt.target.all(input.serviceId) as IncidentRow[], input.at);
      if (incident === null) return { kind: 'no-incident' };
      const { author } = input;
      const id = Number(
        this.stmt.insert.run(
          incident.id,
          input.serviceId,
          input.at,
          author.platform,
          author.id,
          author.name,
          input.mark,
          input.text,
        ).lastInsertRowid,
      );
      const note = {
        id,
        incidentId: incident.id,
        serviceId: input.serviceId,
        at: input.at,
        authorName: author.name,
        mark: input.mark,
        text: input.text,
      };
      const latest = this.stmt.latestEvent.get(incident.id) as { payload_json: string } | undefined;
      const alert = noteEvent(incident, latest?.payload_json, note);
      if (alert !== null) this.outbox?.enqueueIncidentEvent(alert);
      return { kind: 'added', note, incident, alert };
    })();
  }

  notesOf(incidentIds: readonly number[]): IncidentNote[] {
    if (incidentIds.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT id, incident_id, service_id, at, author_name, mark, body FROM incident_notes
          WHERE incident_id IN (${incidentIds.map(() => '?').join(', ')}) ORDER BY incident_id, id`,
      )
      .all(...incidentIds) as NoteRow[];
    return rows.map(toNote);
  }
}
