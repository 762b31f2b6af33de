import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AsyncPort } from '../../src/core/awaitable.js';
import { initialMonitorRecord } from '../../src/core/detection/monitor-state.js';
import type { Evidence } from '../../src/core/detection/service-status.js';
import type { Severity } from '../../src/core/model.js';
import { openDatabase } from '../../src/db/database.js';
import { PostgresQueryStore } from '../../src/db/postgres/postgres-query-store.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteQueryStore } from '../../src/db/sqlite-query-store.js';
import { buildCatalog } from '../helpers/catalog.js';
import { testPool, usePostgres } from '../helpers/postgres-stores.js';

const T0 = Date.UTC(2024, 0, 15, 10);
const HOUR = 3_600_000;

const evidence: Evidence[] = [{ kind: 'crowd', level: 'detected', reporters: 31 }];

interface Check {
  readonly at: number;
  readonly status: 'up' | 'down';
  readonly latencyMs: number | null;
  readonly message: string;
}

/** A query store under test and the seeding and raw reads its tests need, in its own SQL. */
interface Backend {
  readonly query: SqliteQueryStore | AsyncPort<SqliteQueryStore>;
  insertIncident(
    serviceId: string,
    startedAt: number,
    resolvedAt: number | null,
    severity?: Severity,
  ): Promise<number>;
  /** Records the check of monitor `github-http` (service `github`) as the detection store does. */
  recordCheck(check: Check): Promise<void>;
  metaRows(key: string): Promise<unknown[]>;
  /** The same database through a connection that cannot write; closed by `close`. */
  readOnly(): { query: SqliteQueryStore | AsyncPort<SqliteQueryStore>; close: () => Promise<void> };
}

const INSERT_INCIDENT = (p: (n: number) => string): string =>
  `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, resolved_at, evidence_key, evidence_json)
   VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, 'c:detected', ${p(7)})`;

function incidentValues(
  serviceId: string,
  startedAt: number,
  resolvedAt: number | null,
  severity: Severity,
): (string | number | null)[] {
  return [
    serviceId,
    severity,
    resolvedAt === null ? 'down' : 'up',
    startedAt,
    resolvedAt ?? startedAt,
    resolvedAt,
    JSON.stringify(evidence),
  ];
}

function sqliteBackend(): () => Backend {
  let dir: string;
  let backend: Backend;
  let close: () => void;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'query-store-'));
    const db = openDatabase(join(dir, 'bot.sqlite'));
    close = () => {
      if (db.open) db.close();
    };
    const detection = new SqliteDetectionStore(
      db,
      buildCatalog({ services: [{ id: 'github' }, { id: 'slack' }] }),
    );
    backend = {
      query: new SqliteQueryStore(db),
      insertIncident: async (serviceId, startedAt, resolvedAt, severity = 'major') =>
        Number(
          db
            .prepare(INSERT_INCIDENT(() => '?'))
            .run(...incidentValues(serviceId, startedAt, resolvedAt, severity)).lastInsertRowid,
        ),
      recordCheck: async ({ at, status, latencyMs, message }) => {
        detection.commit({
          result: {
            monitorId: 'github-http',
            at,
            status,
            reason: status === 'up' ? 'ok' : 'timeout',
            message,
            latencyMs,
          },
          monitor: { id: 'github-http', record: initialMonitorRecord(at) },
          service: null,
          incident: null,
        });
      },
      metaRows: async (key) => db.prepare('SELECT * FROM meta WHERE key = ?').all(key),
      readOnly: () => {
        const readonly = new Database(join(dir, 'bot.sqlite'), { readonly: true });
        return { query: new SqliteQueryStore(readonly), close: async () => void readonly.close() };
      },
    };
  });
  afterEach(() => {
    close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => backend;
}

/** `monitor_state` as the detection store keeps it: one row per monitor, the latest check. */
async function recordCheckInPostgres(pool: ReturnType<typeof testPool>, check: Check): Promise<void> {
  await pool.query(
    `INSERT INTO monitors (id, service_id, type, target) VALUES ('github-http', 'github', 'http', 'https://github.com/')
     ON CONFLICT (id) DO NOTHING`,
  );
  await pool.query(
    `INSERT INTO monitor_state (monitor_ref, record_json, last_status, last_reason, last_message, last_latency_ms, last_at)
     SELECT ref, $1, $2, $3, $4, $5, $6 FROM monitors WHERE id = 'github-http'
     ON CONFLICT (monitor_ref) DO UPDATE SET record_json = EXCLUDED.record_json, last_status = EXCLUDED.last_status,
       last_reason = EXCLUDED.last_reason, last_message = EXCLUDED.last_message,
       last_latency_ms = EXCLUDED.last_latency_ms, last_at = EXCLUDED.last_at`,
    [
      JSON.stringify(initialMonitorRecord(check.at)),
      check.status,
      check.status === 'up' ? 'ok' : 'timeout',
      check.message,
      check.latencyMs,
      check.at,
    ],
  );
}

function postgresBackend(): () => Backend {
  const pg = usePostgres();
  return () => {
    const pool = pg.pool();
    return {
      query: new PostgresQueryStore(pool),
      insertIncident: async (serviceId, startedAt, resolvedAt, severity = 'major') =>
        (
          await pool.query<{ id: number }>(
            `${INSERT_INCIDENT((n) => `$${n}`)} RETURNING id`,
            incidentValues(serviceId, startedAt, resolvedAt, severity),
          )
        ).rows[0]!.id,
      // The PostgreSQL detection store is not this file's: its row, in SQL.
      recordCheck: (check) => recordCheckInPostgres(pool, check),
      metaRows: async (key) => (await pool.query('SELECT * FROM meta WHERE key = $1', [key])).rows,
      readOnly: () => {
        const readonly = testPool(pg.url(), { options: '-c default_transaction_read_only=on' });
        return { query: new PostgresQueryStore(readonly), close: () => readonly.end() };
      },
    };
  };
}

describe.each([
  ['SQLite', sqliteBackend],
  ['PostgreSQL', postgresBackend],
])('the query store on %s', (_name, setup) => {
  const backend = setup();

  describe('incidents', () => {
    let ids: Record<string, number>;
    beforeEach(async () => {
      const { insertIncident } = backend();
      ids = {
        oldResolved: await insertIncident('github', T0, T0 + HOUR),
        newResolved: await insertIncident('slack', T0 + 5 * HOUR, T0 + 6 * HOUR, 'minor'),
        oldOpen: await insertIncident('zoom', T0 + 2 * HOUR, null),
        newOpen: await insertIncident('github', T0 + 7 * HOUR, null),
      };
    });
    const idsOf = (records: { id: number }[]): number[] => records.map((r) => r.id);
    const incidents = async (
      query: Parameters<SqliteQueryStore['incidents']>[0],
    ): Promise<ReturnType<SqliteQueryStore['incidents']>> => backend().query.incidents(query);

    it('lists open incidents first, then the newest', async () => {
      expect(idsOf(await incidents({ limit: 10 }))).toEqual([
        ids.newOpen,
        ids.oldOpen,
        ids.newResolved,
        ids.oldResolved,
      ]);
    });

    it('maps a row to a record with its evidence', async () => {
      expect((await incidents({ limit: 10, state: 'resolved' }))[0]).toEqual({
        id: ids.newResolved,
        serviceId: 'slack',
        severity: 'minor',
        status: 'up',
        startedAt: T0 + 5 * HOUR,
        updatedAt: T0 + 6 * HOUR,
        resolvedAt: T0 + 6 * HOUR,
        evidence,
      });
    });

    it('filters by state', async () => {
      expect(idsOf(await incidents({ limit: 10, state: 'open' }))).toEqual([ids.newOpen, ids.oldOpen]);
      expect(idsOf(await incidents({ limit: 10, state: 'resolved' }))).toEqual([
        ids.newResolved,
        ids.oldResolved,
      ]);
    });

    it('filters by service', async () => {
      expect(idsOf(await incidents({ limit: 10, serviceIds: ['github'] }))).toEqual([
        ids.newOpen,
        ids.oldResolved,
      ]);
      expect(idsOf(await incidents({ limit: 10, serviceIds: ['zoom', 'slack'] }))).toEqual([
        ids.oldOpen,
        ids.newResolved,
      ]);
    });

    it('returns nothing for an empty service list', async () => {
      expect(await incidents({ limit: 10, serviceIds: [] })).toEqual([]);
    });

    it('leaves out the services whose id starts with the prefix', async () => {
      const hidden = await backend().insertIncident('chat-1', T0 + 8 * HOUR, null);
      expect(idsOf(await incidents({ limit: 10, state: 'open' }))).toEqual([
        hidden,
        ids.newOpen,
        ids.oldOpen,
      ]);
      expect(idsOf(await incidents({ limit: 10, state: 'open', excludeServicePrefix: 'chat-' }))).toEqual([
        ids.newOpen,
        ids.oldOpen,
      ]);
    });

    it('pages back by start time and limits the count', async () => {
      expect(idsOf(await incidents({ limit: 10, before: T0 + 5 * HOUR }))).toEqual([
        ids.oldOpen,
        ids.oldResolved,
      ]);
      expect(idsOf(await incidents({ limit: 2 }))).toEqual([ids.newOpen, ids.oldOpen]);
      expect(idsOf(await incidents({ limit: 1, serviceIds: ['github'], state: 'resolved' }))).toEqual([
        ids.oldResolved,
      ]);
    });
  });

  describe('lastChecks', () => {
    it('returns the latest check of every monitor that has one', async () => {
      await backend().recordCheck({ at: T0, status: 'up', latencyMs: 120, message: '200 OK' });
      await backend().recordCheck({
        at: T0 + 60_000,
        status: 'down',
        latencyMs: null,
        message: 'no answer in 10 s',
      });

      expect([...(await backend().query.lastChecks()).values()]).toEqual([
        {
          monitorId: 'github-http',
          status: 'down',
          reason: 'timeout',
          message: 'no answer in 10 s',
          latencyMs: null,
          at: T0 + 60_000,
        },
      ]);
    });
  });

  describe('isWritable', () => {
    it('is true on a normal database and leaves nothing behind', async () => {
      expect(await backend().query.isWritable()).toBe(true);
      expect(await backend().metaRows('healthz')).toEqual([]);
    });

    it('is false on a read-only connection', async () => {
      const readonly = backend().readOnly();
      try {
        expect(await readonly.query.isWritable()).toBe(false);
      } finally {
        await readonly.close();
      }
    });
  });
});

describe('the query store on PostgreSQL, around the detection store', () => {
  const pg = usePostgres();

  it('commits the writes held back before it reads the last checks', async () => {
    const flushed: number[] = [];
    const query = new PostgresQueryStore(pg.pool(), {
      flushPendingWrites: async () => {
        flushed.push(T0);
        await recordCheckInPostgres(pg.pool(), { at: T0, status: 'up', latencyMs: 80, message: '200 OK' });
      },
    });
    expect([...(await query.lastChecks()).values()]).toMatchObject([
      { monitorId: 'github-http', status: 'up', at: T0 },
    ]);
    expect(flushed).toEqual([T0]);
  });

  it('is not writable when the server cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const unreachable = testPool('postgres://postgres@127.0.0.1:1/postgres', {
      connectionTimeoutMillis: 5_000,
    });
    try {
      expect(await new PostgresQueryStore(unreachable).isWritable()).toBe(false);
    } finally {
      await unreachable.end();
    }
  });
});
