import type pg from 'pg';
import type { AsyncPort } from '../../core/awaitable.js';
import type { IncidentEvent } from '../../core/events.js';
import type { IncidentNote, NoteAddOutcome, NoteInput } from '../../core/incident-notes.js';
import {
  LATEST_EVENT_SQL,
  type NoteRow,
  type SqliteNoteStore,
  noteEvent,
  noteTarget,
  toNote,
} from '../sqlite-note-store.js';
import type { IncidentRow } from '../sqlite-query-store.js';
import { inTransaction } from './in-transaction.js';

/** Where a note's `updated` event is queued on PostgreSQL: the outbox's fan-out, in the caller's transaction. */
export interface PgNoteEventSink {
  enqueueIncidentEventIn(client: pg.ClientBase, event: IncidentEvent): Promise<unknown>;
}

/** `/note`'s store on PostgreSQL (migration 003), as SqliteNoteStore. */
export class PostgresNoteStore implements AsyncPort<SqliteNoteStore> {
  /**
   * With `outbox`, a note on an open incident queues its `updated` event in the note's own
   * transaction: both are stored or neither.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly outbox?: PgNoteEventSink,
  ) {}

  addNote(input: NoteInput): Promise<NoteAddOutcome> {
    return inTransaction(this.pool, async (client): Promise<NoteAddOutcome> => {
      // The incident row is locked so that a note and a resolution commit one after the other.
      const { rows } = await client.query<IncidentRow>(
        `SELECT * FROM incidents WHERE service_id = $1
          ORDER BY (resolved_at IS NULL) DESC, started_at DESC LIMIT 1 FOR UPDATE`,
        [input.serviceId],
      );
      const incident = noteTarget(rows, input.at);
      if (incident === null) return { kind: 'no-incident' };
      const { author } = input;
      const inserted = await client.query<{ id: number }>(
        `INSERT INTO incident_notes (incident_id, service_id, at, author_platform, author_id, author_name, mark, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [
          incident.id,
          input.serviceId,
          input.at,
          author.platform,
          author.id,
          author.name,
          input.mark,
          input.text,
        ],
      );
      const note = {
        id: Number(inserted.rows[0]?.id),
        incidentId: incident.id,
        serviceId: input.serviceId,
        at: input.at,
        authorName: author.name,
        mark: input.mark,
        text: input.text,
      };
      const latest = await client.query<{ payload_json: string }>(LATEST_EVENT_SQL.replace('?', '$1'), [
        incident.id,
      ]);
      const alert = noteEvent(incident, latest.rows[0]?.payload_json, note);
      if (alert !== null) await this.outbox?.enqueueIncidentEventIn(client, alert);
      return { kind: 'added', note, incident, alert };
    });
  }

  async notesOf(incidentIds: readonly number[]): Promise<IncidentNote[]> {
    if (incidentIds.length === 0) return [];
    const { rows } = await this.pool.query<NoteRow>(
      `SELECT id, incident_id, service_id, at, author_name, mark, body FROM incident_notes
        WHERE incident_id = ANY($1::bigint[]) ORDER BY incident_id, id`,
      [incidentIds],
    );
    return rows.map(toNote);
  }
}
