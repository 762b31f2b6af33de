import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { healthSchema, serviceDetailSchema } from '../../src/web/api-schemas.js';
import { PUSH_SECRET_FILE } from '../../src/web/push-secret.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { tempDir } from '../helpers/temp-dir.js';

const PUSH_LINE = /push monitor job-beat: GET or POST (http:\/\/\S+\/push\/([0-9a-f]{32}))/;

describe('the web surface in npm start', () => {
  let target: HttpTarget;
  const bots: BotProcess[] = [];
  afterEach(async () => {
    await Promise.all(bots.splice(0).map((b) => b.stop('SIGKILL')));
    await target?.close();
  });

  it('serves the page, metrics and health, prints the push URL, and a missed heartbeat takes the job down', async () => {
    target = await startHttpTarget();
    target.up = false;
    const dir = tempDir('web-e2e-');
    const services = join(dir, 'services.yaml');
    writeFileSync(
      services,
      `defaults: { every: 1s, timeout: 800ms, confirm: { down: 1, up: 1 } }
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "${target.url}" }
  - id: job
    name: Nightly job
    monitors:
      - { id: beat, type: push, period: 1s, grace: 1s }
`,
    );
    const bot = new BotProcess({
      SERVICES_FILE: services,
      DATABASE_PATH: join(dir, 'bot.db'),
      HTTP_PORT: '0',
    });
    bots.push(bot);
    const [, pushUrl, token] = PUSH_LINE.exec(await bot.waitForLine(PUSH_LINE)) ?? [];
    const base = new URL(pushUrl ?? '').origin;
    expect(readFileSync(join(dir, PUSH_SECRET_FILE), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, PUSH_SECRET_FILE)).mode & 0o777).toBe(0o600);

    await bot.waitForLine(/DOWN\s+Our site/);
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toMatch(/Our site<\/a>\s*<span class="badge s-down">down<\/span>/);
    // The badge, the feed and uptime read the app's own stores.
    expect(await (await fetch(`${base}/badge/site/status.svg`)).text()).toContain(
      'aria-label="Our site: down"',
    );
    expect(await (await fetch(`${base}/badge/site/uptime.svg?days=7`)).text()).toContain(
      'aria-label="Our site uptime 7d: 0.00%"',
    );
    expect(await (await fetch(`${base}/feed.atom`)).text()).toMatch(
      /<title type="text">Our site: down since /,
    );
    const detail = serviceDetailSchema.parse(await (await fetch(`${base}/api/services/site`)).json());
    expect(detail.uptime[0]).toMatchObject({ days: 7, uptime: 0 });

    await bot.waitForLine(/DOWN\s+Nightly job/); // never pinged: down after period + grace
    expect((await fetch(`${base}/push/${token}`, { method: 'POST', body: 'done' })).status).toBe(200);
    await bot.waitForLine(/RECOVERED\s+Nightly job/);

    const families = parsePrometheusTextFormat(await (await fetch(`${base}/metrics`)).text());
    const checks = families.find((f) => f.name === 'incident_bot_checks_total');
    const httpDown = checks?.metrics.find((m) => m.labels?.type === 'http' && m.labels.outcome === 'down');
    expect(Number(httpDown?.value)).toBeGreaterThan(0);
    const states = families.find((f) => f.name === 'incident_bot_service_state');
    expect(
      states?.metrics.find((m) => m.labels?.service === 'site' && m.labels.state === 'down')?.value,
    ).toBe('1');

    const health = healthSchema.parse(await (await fetch(`${base}/healthz`)).json());
    expect(health).toMatchObject({
      ok: true,
      scheduler: { ticking: true },
      database: { writable: true },
      platforms: {},
    });
  });
});
