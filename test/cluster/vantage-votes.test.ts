/**
 * Votes between vantage points end to end: three instances' vote wrappers (vantage points a, b
 * and c) over one real PostgreSQL database, each probing one real HTTP target on loopback with the
 * real HTTP probe. The target answers 503 to the checks whose User-Agent names a vantage point it
 * is told to fail for, so one location's trouble can be made without touching the others.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VantageCheck, createVantageCheck } from '../../src/cluster/vantage-check.js';
import { parseServices } from '../../src/config/services-file.js';
import type { MonitorConfig } from '../../src/config/services-file.js';
import { describeEvidence } from '../../src/core/alert-message.js';
import type { VantageNotice } from '../../src/core/events.js';
import { messagesFor } from '../../src/core/i18n/index.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { type PgDb, openPostgres } from '../../src/db/postgres/pool.js';
import { PostgresVantageResultStore } from '../../src/db/postgres/vantage-result-store.js';
import { testDatabase } from '../helpers/postgres.js';

const OWNER = 'c';
let now = Date.UTC(2026, 11, 7, 17, 0);
const clock = { now: () => now };

/** A site that fails for the vantage points in `failingFor` (read from the User-Agent). */
const failingFor = new Set<string>();
let server: Server;
let url: string;
let db: PgDb;
let monitor: MonitorConfig;
const notices: VantageNotice[] = [];
const checks = new Map<string, VantageCheck>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const named = /\+vantage=([A-Za-z0-9._-]+)/.exec(req.headers['user-agent'] ?? '')?.[1];
    res.statusCode = named !== undefined && failingFor.has(named) ? 503 : 200;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  monitor = parseServices(
    `services:\n  - id: shop\n    name: Shop\n    vantages: all\n    monitors:\n      - { type: http, url: "${url}" }\n`,
  ).monitors[0] as MonitorConfig;
  db = await openPostgres(await testDatabase(), { poolSize: 4 });
  for (const vantage of ['a', 'b', 'c'])
    checks.set(
      vantage,
      createVantageCheck({
        vantage,
        // Each instance has its own pool in life; one store per instance over the one database.
        store: new PostgresVantageResultStore(db.pool),
        owns: () => vantage === OWNER,
        onNotice: (n) => notices.push(n),
        clock,
      }),
    );
});

afterAll(async () => {
  await db.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** One round: every instance checks the site from its vantage point, the owner last; the owner's verdict. */
async function round(): Promise<ProbeOutcome> {
  now += monitor.intervalMs;
  let owned: ProbeOutcome | null = null;
  for (const vantage of ['a', 'b', 'c']) {
    const outcome = await monitor.probe.run(monitor.options, {
      signal: new AbortController().signal,
      timeoutMs: 5000,
      vantage,
    });
    expect(outcome.status).toBe(failingFor.has(vantage) ? 'down' : 'up');
    const handed = await checks.get(vantage)?.(monitor, 'shop', outcome);
    if (vantage === OWNER) owned = handed ?? null;
    else expect(handed).toBeNull();
  }
  if (owned === null) throw new Error('the owner handed its engine nothing');
  return owned;
}

describe('votes between vantage points over one PostgreSQL', () => {
  it('keeps one location failing alone an operator notice, and calls it down when most locations see it down', async () => {
    // All well: up from everywhere.
    expect((await round()).facts?.vantages).toEqual({ down: 0, of: 3 });
    expect(notices).toEqual([]);

    // Only a fails: its own trouble. The service stays up; the operator hears it once.
    failingFor.add('a');
    const alone = await round();
    expect(alone.status).toBe('up');
    expect(alone.facts?.vantages).toEqual({ down: 1, of: 3 });
    expect(notices).toEqual([
      {
        kind: 'vantage-disagrees',
        vantage: 'a',
        serviceId: 'shop',
        monitorId: monitor.id,
        at: now,
        down: 1,
        of: 3,
      },
    ]);
    await round(); // still only a: no second notice
    expect(notices).toHaveLength(1);

    // a and b fail: the majority, an outage, and a is no longer alone.
    failingFor.add('b');
    const down = await round();
    // The owner (c) saw it up: the verdict speaks with a's row, its reason and message.
    expect(down).toMatchObject({
      status: 'down',
      reason: 'http-status',
      message: 'HTTP 503',
      facts: { vantages: { down: 2, of: 3 } },
    });
    expect(notices.slice(1)).toEqual([
      {
        kind: 'vantage-agrees',
        vantage: 'a',
        serviceId: 'shop',
        monitorId: monitor.id,
        at: now,
        down: 2,
        of: 3,
      },
    ]);
    const evidence = {
      kind: 'probe',
      monitorId: monitor.id,
      target: monitor.target,
      state: 'down',
      reason: down.reason,
      message: down.message,
      ...(down.facts ? { facts: down.facts } : {}),
    } as const;
    expect(describeEvidence([evidence], 'Shop', messagesFor('en'))).toEqual([
      `${url}: unexpected HTTP status (HTTP 503), down from 2 of 3 locations`,
    ]);
    expect(describeEvidence([evidence], 'Shop', messagesFor('bn'))[0]).toMatch(
      /, ৩টি জায়গার মধ্যে ২টি থেকে বন্ধ দেখা গেছে$/,
    );
    expect(describeEvidence([evidence], 'Shop', messagesFor('hi'))[0]).toMatch(/, ३ में से २ जगहों से बंद दिखा$/);
  });

  it('lets a vantage point that stopped checking drop out of the vote', async () => {
    failingFor.clear();
    failingFor.add('c');
    // b has not checked for longer than two intervals plus 30 s: only a and the owner c vote.
    now += 3 * monitor.intervalMs;
    const ownerCheck = checks.get('c');
    const aCheck = checks.get('a');
    const run = (vantage: string) =>
      monitor.probe.run(monitor.options, { signal: new AbortController().signal, timeoutMs: 5000, vantage });
    expect(await aCheck?.(monitor, 'shop', await run('a'))).toBeNull();
    const fused = await ownerCheck?.(monitor, 'shop', await run('c'));
    // One down of two: no majority, so up; the owner is the one seeing it down alone.
    expect(fused?.status).toBe('up');
    expect(fused?.facts?.vantages).toEqual({ down: 1, of: 2 });
    expect(notices.at(-1)).toMatchObject({ kind: 'vantage-disagrees', vantage: 'c', down: 1, of: 2 });
  });
});
