import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialMonitorRecord } from '../../src/core/detection/monitor-state.js';
import type { Evidence } from '../../src/core/detection/service-status.js';
import type { Severity } from '../../src/core/model.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteQueryStore } from '../../src/db/sqlite-query-store.js';
import { buildCatalog } from '../helpers/catalog.js';

const T0 = Date.UTC(2024, 0, 15, 10);
const HOUR = 3_600_000;

let dir: string;
let db: Db;
let query: SqliteQueryStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'query-store-'));
  db = openDatabase(join(dir, 'bot.sqlite'));
  query = new SqliteQueryStore(db);
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const evidence: Evidence[] = [{ kind: 'crowd', level: 'detected', reporters: 31 }];

function insertIncident(
  serviceId: string,
  startedAt: number,
  resolvedAt: number | null,
  severity: Severity = 'major',
): number {
  const info = db
    .prepare(
      `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, resolved_at, evidence_key, evidence_json)
       VALUES (?, ?, ?, ?, ?, ?, 'c:detected', ?)`,
    )
    .run(
      serviceId,
      severity,
      resolvedAt === null ? 'down' : 'up',
      startedAt,
      resolvedAt ?? startedAt,
      resolvedAt,
      JSON.stringify(evidence),
    );
  return Number(info.lastInsertRowid);
}

describe('incidents', () => {
  let ids: Record<string, number>;
  beforeEach(() => {
    ids = {
      oldResolved: insertIncident('github', T0, T0 + HOUR),
      newResolved: insertIncident('slack', T0 + 5 * HOUR, T0 + 6 * HOUR, 'minor'),
      oldOpen: insertIncident('zoom', T0 + 2 * HOUR, null),
      newOpen: insertIncident('github', T0 + 7 * HOUR, null),
    };
  });
  const idsOf = (records: { id: number }[]): number[] => records.map((r) => r.id);

  it('lists open incidents first, then the newest', () => {
    expect(idsOf(query.incidents({ limit: 10 }))).toEqual([
      ids.newOpen,
      ids.oldOpen,
      ids.newResolved,
      ids.oldResolved,
    ]);
  });

  it('maps a row to a record with its evidence', () => {
    expect(query.incidents({ limit: 10, state: 'resolved' })[0]).toEqual({
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

  it('filters by state', () => {
    expect(idsOf(query.incidents({ limit: 10, state: 'open' }))).toEqual([ids.newOpen, ids.oldOpen]);
    expect(idsOf(query.incidents({ limit: 10, state: 'resolved' }))).toEqual([
      ids.newResolved,
      ids.oldResolved,
    ]);
  });

  it('filters by service', () => {
    expect(idsOf(query.incidents({ limit: 10, serviceIds: ['github'] }))).toEqual([
      ids.newOpen,
      ids.oldResolved,
    ]);
    expect(idsOf(query.incidents({ limit: 10, serviceIds: ['zoom', 'slack'] }))).toEqual([
      ids.oldOpen,
      ids.newResolved,
    ]);
  });

  it('returns nothing for an empty service list', () => {
    expect(query.incidents({ limit: 10, serviceIds: [] })).toEqual([]);
  });

  it('pages back by start time and limits the count', () => {
    expect(idsOf(query.incidents({ limit: 10, before: T0 + 5 * HOUR }))).toEqual([
      ids.oldOpen,
      ids.oldResolved,
    ]);
    expect(idsOf(query.incidents({ limit: 2 }))).toEqual([ids.newOpen, ids.oldOpen]);
    expect(idsOf(query.incidents({ limit: 1, serviceIds: ['github'], state: 'resolved' }))).toEqual([
      ids.oldResolved,
    ]);
  });
});

describe('lastChecks', () => {
  it('returns the latest check of every monitor that has one', () => {
    const catalog = buildCatalog({ services: [{ id: 'github' }, { id: 'slack' }] });
    const store = new SqliteDetectionStore(db, catalog);
    const commit = (at: number, status: 'up' | 'down', latencyMs: number | null, message: string): void => {
      store.commit({
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
    };
    commit(T0, 'up', 120, '200 OK');
    commit(T0 + 60_000, 'down', null, 'no answer in 10 s');

    expect([...query.lastChecks().values()]).toEqual([
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
  it('is true on a normal database and leaves nothing behind', () => {
    expect(query.isWritable()).toBe(true);
    expect(db.prepare("SELECT * FROM meta WHERE key = 'healthz'").all()).toEqual([]);
  });

  it('is false on a read-only connection', () => {
    const readonly = new Database(join(dir, 'bot.sqlite'), { readonly: true });
    try {
      expect(new SqliteQueryStore(readonly).isWritable()).toBe(false);
    } finally {
      readonly.close();
    }
  });
});
