import { afterEach, describe, expect, it } from 'vitest';
import { type MonitorConfig, parseServices } from '../../../src/config/services-file.js';
import { ConfigError } from '../../../src/config/problems.js';
import { type PushOptions, PushRegistry, pushToken } from '../../../src/monitors/probes/push-probe.js';
import { runProbe } from '../../../src/monitors/scheduler.js';
import { type WebHarness, startWebHarness } from '../../web/web-harness.js';

const SECRET = 'test-secret-0123456789';
const MINUTE = 60_000;
const YAML = `defaults: { every: 60s, timeout: 10s, confirm: { down: 1, up: 1 } }
services:
  - id: backup
    name: Nightly backup
    monitors:
      - { id: job, type: push, period: 5m, grace: 1m }
  - id: cron
    name: Cron
    monitors:
      - { type: push, period: 1h }
`;

describe('push monitors over HTTP', () => {
  let web: WebHarness;
  let pushes: PushRegistry;
  let tokens: Map<string, string>;
  afterEach(async () => web?.close());

  async function start(): Promise<WebHarness> {
    web = await startWebHarness(YAML, (h) => {
      pushes = new PushRegistry(SECRET, h.clock);
      tokens = new Map(
        h.services.monitors.map((m) => [m.id, pushes.register(m.id, m.options as PushOptions)]),
      );
      return { pushes };
    });
    return web;
  }

  const monitor = (id: string): MonitorConfig => {
    const m = web.services.monitors.find((x) => x.id === id);
    if (!m) throw new Error(id);
    return m;
  };
  const check = (id: string) => runProbe(monitor(id), new AbortController().signal);

  it('gives each monitor its own stable, unguessable token', async () => {
    await start();
    expect(tokens.get('backup-job')).toBe(pushToken(SECRET, 'backup-job'));
    expect(tokens.get('backup-job')).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(tokens.values()).size).toBe(2);
    expect(pushToken('another-secret', 'backup-job')).not.toBe(tokens.get('backup-job'));
  });

  it('stays up while pings arrive within period plus grace, by GET or POST with any body', async () => {
    await start();
    const url = `${web.url}/push/${tokens.get('backup-job')}`;
    for (let i = 0; i < 3; i++) {
      web.clock.advance(5 * MINUTE + 50_000);
      const res =
        i % 2 === 0
          ? await fetch(url)
          : await fetch(url, {
              method: 'POST',
              body: '{not json',
              headers: { 'content-type': 'application/json' },
            });
      expect(res.status).toBe(200);
      expect(await check('backup-job')).toMatchObject({ status: 'up', reason: 'ok' });
    }
  });

  it('fails with missed-heartbeat once period plus grace pass without a ping, and recovers on the next ping', async () => {
    await start();
    web.clock.advance(6 * MINUTE);
    expect(await check('backup-job')).toMatchObject({ status: 'up' }); // a fresh start gets a full period
    web.clock.advance(1);
    const missed = await check('backup-job');
    expect(missed).toMatchObject({
      status: 'down',
      reason: 'missed-heartbeat',
      facts: { silentMs: 6 * MINUTE + 1 },
    });
    expect(missed.message).toBe('no ping for 6m (period 5m, grace 1m)');
    expect(await check('cron-0')).toMatchObject({ status: 'up' }); // default grace, longer period

    expect((await fetch(`${web.url}/push/${tokens.get('backup-job')}`, { method: 'POST' })).status).toBe(200);
    expect(await check('backup-job')).toMatchObject({ status: 'up', message: 'ping received' });
  });

  it('answers a wrong token with 404 and counts nothing', async () => {
    await start();
    const real = tokens.get('backup-job') ?? '';
    const wrong = [
      `${real.slice(0, -1)}${real.endsWith('0') ? '1' : '0'}`,
      'backup-job',
      '../metrics',
      real.toUpperCase(),
      'x'.repeat(90),
    ];
    web.clock.advance(6 * MINUTE + 1);
    for (const token of wrong) {
      const res = await fetch(`${web.url}/push/${encodeURIComponent(token)}`, {
        method: 'POST',
        body: 'hello',
      });
      expect(res.status, token).toBe(404);
    }
    expect(await check('backup-job')).toMatchObject({ status: 'down', reason: 'missed-heartbeat' });
  });

  it('refuses a body over the cap with 413 and does not count it', async () => {
    await start();
    web.clock.advance(6 * MINUTE + 1);
    const res = await fetch(`${web.url}/push/${tokens.get('backup-job')}`, {
      method: 'POST',
      body: 'x'.repeat(64 * 1024),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(413);
    expect(await check('backup-job')).toMatchObject({ status: 'down' });
  });

  it('validates period and grace in the services file', async () => {
    const bad = `services:\n  - id: a\n    name: A\n    monitors:\n      - { type: push, period: soon, token: x }\n`;
    expect(() => parseServices(bad)).toThrow(ConfigError);
    try {
      parseServices(bad);
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        'services[0].monitors[0].period: Invalid duration "soon" (use e.g. 500ms, 30s, 5m, 1h)',
        'services[0].monitors[0]: unknown key(s) "token"',
      ]);
    }
  });
});
