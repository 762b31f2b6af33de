/**
 * The incident note store on both backends: a note attaches to the service's open incident, else to
 * the latest one resolved within a day, else to nothing; its text is kept as written.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AsyncPort } from '../../src/core/awaitable.js';
import { NOTE_RECENT_MS, type NoteInput } from '../../src/core/incident-notes.js';
import type { IncidentEvent } from '../../src/core/events.js';
import { openDatabase } from '../../src/db/database.js';
import { openPostgres, type PgDb } from '../../src/db/postgres/pool.js';
import { PostgresNoteStore } from '../../src/db/postgres/postgres-note-store.js';
import { PostgresOutboxStore } from '../../src/db/postgres/postgres-outbox-store.js';
import { SqliteNoteStore } from '../../src/db/sqlite-note-store.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { testDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const HOSTILE = '<b>@everyone</b> & <script>alert(1)</script>';

interface Backend {
  store: AsyncPort<SqliteNoteStore>;
  /** The events the store queued for the alerts. */
  told: IncidentEvent[];
  /** Stores an incident's event, as the detection store does. */
  event(incidentId: number, payload: object): Promise<void>;
  /** Inserts an incident row; its id. */
  incident(serviceId: string, startedAt: number, resolvedAt: number | null): Promise<number>;
  /** A note store on the same database that queues its events in the real outbox. */
  withOutbox: AsyncPort<SqliteNoteStore>;
  /** From now on every insert into `outbox_events` fails. */
  refuseOutboxEvents(): Promise<void>;
  count(table: 'incident_notes' | 'outbox_events'): Promise<number>;
}

const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

const INSERT_EVENT = `INSERT INTO incident_events (incident_id, kind, at, payload_json) VALUES (?, 'opened', 0, ?)`;
const INSERT_INCIDENT = `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, resolved_at, evidence_key, evidence_json)
  VALUES (?, 'major', 'down', ?, ?, ?, 'k', '[]')`;

async function sqlite(): Promise<Backend> {
  const db = openDatabase(join(tempDir('note-store-'), 'bot.db'));
  closers.push(() => db.close());
  const told: IncidentEvent[] = [];
  const store = new SqliteNoteStore(db, { enqueueIncidentEvent: (e) => told.push(e) });
  const withOutbox = new SqliteNoteStore(db, new SqliteOutboxStore(db));
  return {
    told,
    withOutbox: {
      addNote: async (input) => withOutbox.addNote(input),
      notesOf: async (ids) => withOutbox.notesOf(ids),
    },
    refuseOutboxEvents: async () => {
      db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON outbox_events
        BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    },
    count: async (table) => Number(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get()),
    event: async (incidentId, payload) => {
      db.prepare(INSERT_EVENT).run(incidentId, JSON.stringify(payload));
    },
    store: {
      addNote: async (input) => store.addNote(input),
      notesOf: async (ids) => store.notesOf(ids),
    },
    incident: async (serviceId, startedAt, resolvedAt) =>
      Number(db.prepare(INSERT_INCIDENT).run(serviceId, startedAt, startedAt, resolvedAt).lastInsertRowid),
  };
}

async function postgres(): Promise<Backend> {
  const db: PgDb = await openPostgres(await testDatabase(), { poolSize: 2 });
  closers.push(() => db.close());
  let n = 0;
  const sql = INSERT_INCIDENT.replace(/\?/g, () => `$${++n}`) + ' RETURNING id';
  const told: IncidentEvent[] = [];
  return {
    told,
    event: async (incidentId, payload) => {
      await db.pool.query(INSERT_EVENT.replace('?', '$1').replace('?', '$2'), [
        incidentId,
        JSON.stringify(payload),
      ]);
    },
    store: new PostgresNoteStore(db.pool, {
      enqueueIncidentEventIn: async (_client, e) => told.push(e),
    }),
    withOutbox: new PostgresNoteStore(db.pool, new PostgresOutboxStore(db.pool)),
    refuseOutboxEvents: async () => {
      await db.pool.query(`CREATE FUNCTION refuse() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`);
      await db.pool.query(
        'CREATE TRIGGER refuse BEFORE INSERT ON outbox_events FOR EACH ROW EXECUTE FUNCTION refuse()',
      );
    },
    count: async (table) =>
      Number((await db.pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]?.n),
    incident: async (serviceId, startedAt, resolvedAt) =>
      Number(
        (await db.pool.query<{ id: number }>(sql, [serviceId, startedAt, startedAt, resolvedAt])).rows[0]?.id,
      ),
  };
}

function note(serviceId: string, at: number, text: string, mark: NoteInput['mark'] = null): NoteInput {
  return { serviceId, at, author: { platform: 'telegram', id: '123', name: 'Ops Ana' }, mark, text };
}

describe.each([
  ['sqlite', sqlite],
  ['postgres', postgres],
])('incident notes on %s', (_name, open) => {
  it('attaches to the open incident, keeps hostile text as written, lists oldest first', async () => {
    const b = await open();
    const old = await b.incident('github', T0 - 3 * NOTE_RECENT_MS, T0 - 2 * NOTE_RECENT_MS);
    const openId = await b.incident('github', T0 - 60_000, null);
    await b.event(openId, { serviceName: 'GitHub', group: 'dev' });
    const first = await b.store.addNote(note('github', T0, HOSTILE, 'identified'));
    const second = await b.store.addNote(note('github', T0 + 1000, 'rolled back'));
    expect(first).toMatchObject({
      kind: 'added',
      note: { incidentId: openId, mark: 'identified', text: HOSTILE, authorName: 'Ops Ana', at: T0 },
      incident: { id: openId, resolvedAt: null, severity: 'major' },
    });
    expect(second).toMatchObject({ kind: 'added', note: { incidentId: openId, mark: null } });
    const notes = await b.store.notesOf([openId, old]);
    expect(notes.map((n) => [n.incidentId, n.mark, n.text])).toEqual([
      [openId, 'identified', HOSTILE],
      [openId, null, 'rolled back'],
    ]);
    expect(await b.store.notesOf([])).toEqual([]);
    // Each note on the open incident is an `updated` event for its alerts.
    expect(b.told).toEqual([
      {
        kind: 'updated',
        incidentId: openId,
        serviceId: 'github',
        serviceName: 'GitHub',
        group: 'dev',
        severity: 'major',
        status: 'down',
        startedAt: T0 - 60_000,
        at: T0,
        evidence: [],
        note: { authorName: 'Ops Ana', mark: 'identified', text: HOSTILE },
      },
      expect.objectContaining({
        at: T0 + 1000,
        note: { authorName: 'Ops Ana', mark: null, text: 'rolled back' },
      }),
    ]);
  });

  it('attaches to the latest incident resolved within a day, and to none older', async () => {
    const b = await open();
    const recent = await b.incident('slack', T0 - 7_200_000, T0 - 3_600_000);
    expect(await b.store.addNote(note('slack', T0, 'post-mortem soon', 'resolved'))).toMatchObject({
      kind: 'added',
      note: { incidentId: recent, mark: 'resolved' },
      incident: { resolvedAt: T0 - 3_600_000 },
    });
    // A day and a moment after the resolution: too old.
    expect(await b.store.addNote(note('slack', T0 - 3_600_000 + NOTE_RECENT_MS + 1, 'late'))).toEqual({
      kind: 'no-incident',
    });
    expect(await b.store.addNote(note('never-down', T0, 'hello'))).toEqual({ kind: 'no-incident' });
    expect((await b.store.notesOf([recent])).map((n) => n.text)).toEqual(['post-mortem soon']);
    // A resolved incident's alert already says it recovered: no update is queued.
    expect(b.told).toEqual([]);
  });

  it('stores a note and the alert edit it queues in one transaction: a failure of the second leaves neither', async () => {
    const b = await open();
    const openId = await b.incident('github', T0 - 60_000, null);
    await b.event(openId, { serviceName: 'GitHub', group: 'dev' });
    expect(await b.withOutbox.addNote(note('github', T0, 'looking'))).toMatchObject({ kind: 'added' });
    expect([await b.count('incident_notes'), await b.count('outbox_events')]).toEqual([1, 1]);
    await b.refuseOutboxEvents();
    await expect(b.withOutbox.addNote(note('github', T0 + 1000, 'rolled back'))).rejects.toThrow(
      /refused by the test/,
    );
    expect([await b.count('incident_notes'), await b.count('outbox_events')]).toEqual([1, 1]);
    expect((await b.withOutbox.notesOf([openId])).map((n) => n.text)).toEqual(['looking']);
  });
});
