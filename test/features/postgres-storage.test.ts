import { Writable } from 'node:stream';
import pg from 'pg';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { ServicesConfig } from '../../src/config/services-file.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { PostgresStorage, STOP_FLUSH_MS } from '../../src/features/postgres-storage.js';
import { createLogger } from '../../src/logging.js';
import { FakeClock, buildCatalog } from '../helpers/catalog.js';
import { testDatabase } from '../helpers/postgres.js';

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const MINUTE = 60_000;
const DOWN: ProbeOutcome = { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: 60 };
const services = buildCatalog({ services: [{ id: 'github' }] }) as ServicesConfig;

const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end();
});

function capture(): { log: ReturnType<typeof createLogger>; lines: () => { level: number; msg: string }[] } {
  let text = '';
  const out = new Writable({
    write: (chunk, _encoding, done) => {
      text += String(chunk);
      done();
    },
  });
  return {
    log: createLogger('info', [], out),
    lines: () =>
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { level: number; msg: string }),
  };
}

describe('PostgresStorage', () => {
  it('stops without throwing when the database refuses the queued crowd reports, and still writes the incident changes', async () => {
    const url = await testDatabase();
    const clock = new FakeClock(T0);
    const { log, lines } = capture();
    const database = { kind: 'postgres', url, poolSize: 2 } as const;
    const storage = await PostgresStorage.open(
      { database, databasePath: '', defaultLocale: 'en', defaultTimeZone: 'UTC' },
      database,
      services,
      { clock, log },
    );
    const admin = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(admin);
    // The database refuses the reports (as one that fails the write would), not the incident.
    await admin.query(`CREATE FUNCTION refuse() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`);
    await admin.query(
      'CREATE TRIGGER refuse BEFORE INSERT ON crowd_reports FOR EACH ROW EXECUTE FUNCTION refuse()',
    );
    const outcome = await storage.reports.record({
      serviceId: 'github',
      platform: 'telegram',
      userId: 'u1',
      chatId: 'c1',
      guildId: null,
      problem: 'connection',
      at: T0,
    });
    expect(outcome).toEqual({ kind: 'counted' });
    const engine = new DetectionEngine(services, storage.detection, clock, { roundMs: MINUTE });
    for (let i = 0; i < 3; i++) {
      clock.advance(MINUTE);
      engine.handleResult('github-http', DOWN);
    }

    await expect(storage.stop()).resolves.toBeUndefined();
    const { rows } = await admin.query<{ service_id: string }>('SELECT service_id FROM incidents');
    expect(rows).toEqual([{ service_id: 'github' }]);
    expect(
      lines()
        .filter((l) => l.level >= 50)
        .map((l) => l.msg),
    ).toContain('crowd reports not stored at stop');
  });
  it(
    'stops when a write the database never answers holds a connection (the flush and the close are both bounded)',
    async () => {
      const url = await testDatabase();
      const clock = new FakeClock(T0);
      const { log, lines } = capture();
      const database = { kind: 'postgres', url, poolSize: 2 } as const;
      const storage = await PostgresStorage.open(
        { database, databasePath: '', defaultLocale: 'en', defaultTimeZone: 'UTC' },
        database,
        services,
        { clock, log },
      );
      // Another session holds the incidents table: the commit queue's write of the incident waits
      // on it (as on a database that hangs) until that session ends.
      const blocker = new pg.Client({ connectionString: url });
      await blocker.connect();
      let released = false;
      const release = async (): Promise<void> => {
        if (released) return;
        released = true;
        await blocker.query('ROLLBACK');
        await blocker.end();
      };
      onTestFinished(release);
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE');
      const engine = new DetectionEngine(services, storage.detection, clock, { roundMs: MINUTE });
      for (let i = 0; i < 3; i++) {
        clock.advance(MINUTE);
        engine.handleResult('github-http', DOWN);
      }

      // Resolves while the write still hangs (the lock is released only after).
      await storage.stop();
      expect(released).toBe(false);
      await release();
      expect(lines().map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          'stopping with writes not stored',
          'stopping with PostgreSQL connections still in use (a statement not answered)',
        ]),
      );
    },
    3 * STOP_FLUSH_MS,
  );
});
