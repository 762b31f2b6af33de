import { afterEach, describe, expect, it } from 'vitest';
import type { StorageState } from '../../src/db/storage-health.js';
import { healthSchema } from '../../src/web/api-schemas.js';
import { CONTROL_SERVICES_YAML, START, type WebHarness, startWebHarness } from './web-harness.js';

describe('GET /healthz', () => {
  let web: WebHarness;
  afterEach(async () => web?.close());

  const tick = { lastTick: null as number | null };
  const telegram = { name: 'telegram', connected: true, isConnected: () => telegram.connected };

  async function health(): Promise<{ status: number; body: ReturnType<typeof healthSchema.parse> }> {
    const res = await fetch(`${web.url}/healthz`);
    return { status: res.status, body: healthSchema.parse(await res.json()) };
  }

  it('is 200 when the scheduler ticked recently, the database is writable and every platform is connected', async () => {
    web = await startWebHarness(undefined, undefined, { scheduler: tick, platforms: [telegram] });
    tick.lastTick = START - 1000;
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).toEqual({
      ok: true,
      scheduler: { ticking: true, lastTick: new Date(START - 1000).toISOString() },
      database: { writable: true },
      platforms: { telegram: { connected: true } },
      vantage: { ok: true },
    });
  });

  it('is 503 with the reason and since while our own network looks broken, 200 again when it clears', async () => {
    web = await startWebHarness(CONTROL_SERVICES_YAML, undefined, { scheduler: tick });
    tick.lastTick = START;
    const control = web.services.monitors.find((m) => m.serviceId === null)?.id ?? '';
    web.check(control, { status: 'up' });
    expect((await health()).status).toBe(200);

    web.clock.advance(1000);
    tick.lastTick = web.clock.now();
    web.check(control, { status: 'down' });
    const res = await health();
    expect(res.status).toBe(503);
    expect(res.body.ok).toBe(false);
    expect(res.body.vantage).toEqual({
      ok: false,
      reason: 'own network looks broken: 1/1 control targets failing',
      since: new Date(START + 1000).toISOString(),
    });
    expect(res.body.database).toEqual({ writable: true });
    expect(res.body.scheduler.ticking).toBe(true);

    web.check(control, { status: 'up' });
    const cleared = await health();
    expect(cleared.status).toBe(200);
    expect(cleared.body.vantage).toEqual({ ok: true });
  });

  it('is 503 and says which part failed: a stalled scheduler, a disconnected platform', async () => {
    web = await startWebHarness(undefined, undefined, { scheduler: tick, platforms: [telegram] });
    tick.lastTick = START - 1000;
    telegram.connected = false;
    let res = await health();
    expect(res.status).toBe(503);
    expect(res.body.platforms).toEqual({ telegram: { connected: false } });
    expect(res.body.scheduler.ticking).toBe(true);

    telegram.connected = true;
    web.clock.advance(60_000);
    res = await health();
    expect(res.status).toBe(503);
    expect(res.body.scheduler.ticking).toBe(false);
  });

  it('is 503 with the reason and since when writes fail (a full disk), 200 again when they work', async () => {
    const storage: { state: StorageState } = { state: { ok: true } };
    web = await startWebHarness(undefined, undefined, { scheduler: tick, storage });
    tick.lastTick = START;
    storage.state = { ok: false, reason: 'disk full', code: 'SQLITE_FULL', since: START - 5000 };
    const res = await health();
    expect(res.status).toBe(503);
    expect(res.body.ok).toBe(false);
    expect(res.body.database).toEqual({
      writable: false,
      reason: 'disk full',
      since: new Date(START - 5000).toISOString(),
    });
    storage.state = { ok: true };
    expect((await health()).status).toBe(200);
    expect((await health()).body.database).toEqual({ writable: true });
  });

  it('is 503 with the mass-failure reason when most independent services fail at once', async () => {
    const yaml = `defaults: { every: 60s, timeout: 10s, confirm: { down: 2, up: 2 } }
services:
${['a', 'b', 'c', 'd', 'e']
  .map((id) => `  - { id: ${id}, name: ${id}, monitors: [{ type: http, url: "https://${id}.example/" }] }`)
  .join('\n')}
`;
    web = await startWebHarness(yaml, undefined, { scheduler: tick });
    tick.lastTick = START;
    const [a, b, c, d, e] = web.services.monitors.map((m) => m.id) as [
      string,
      string,
      string,
      string,
      string,
    ];
    for (const id of [a, b, d, e]) web.check(id, { status: id === a || id === b ? 'down' : 'up' });
    expect((await health()).status).toBe(200);
    // The verdict is reassessed at most once a second on service results.
    web.clock.advance(1000);
    tick.lastTick = web.clock.now();
    web.check(c, { status: 'down' });
    const res = await health();
    expect(res.status).toBe(503);
    expect(res.body.vantage).toEqual({
      ok: false,
      reason: 'own network looks broken: 3/5 independent services failing at once',
      since: new Date(START + 1000).toISOString(),
    });
  });

  it('is 503 when the database is not writable', async () => {
    web = await startWebHarness(undefined, undefined, { scheduler: tick });
    tick.lastTick = START;
    web.db.pragma('query_only = ON');
    const res = await health();
    expect(res.status).toBe(503);
    expect(res.body.database).toEqual({ writable: false, reason: 'write probe failed' });
  });
});
