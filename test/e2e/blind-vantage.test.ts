/**
 * The bot's own network fails (every target at once, the control one too), with the real app:
 * `/healthz`, `/api/services` and `/metrics` say the bot is blind, and stop saying so once the
 * targets answer again.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { healthSchema, serviceListSchema } from '../../src/web/api-schemas.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('npm start while its own network is down', () => {
  let targets: HttpTarget[] = [];
  const bots: BotProcess[] = [];

  afterEach(async () => {
    await Promise.all(bots.splice(0).map((b) => b.stop('SIGKILL')));
    await Promise.all(targets.map((t) => t.close()));
    targets = [];
  });

  it('says so on /healthz (503), /api/services (vantage not ok) and /metrics (gauge 0), until the targets answer', async () => {
    targets = await Promise.all([startHttpTarget(), startHttpTarget(), startHttpTarget()]);
    const [control, site, shop] = targets as [HttpTarget, HttpTarget, HttpTarget];
    const dir = tempDir('blind-e2e-');
    const servicesFile = join(dir, 'services.yaml');
    writeFileSync(
      servicesFile,
      `defaults: { every: 1s, timeout: 800ms, confirm: { down: 2, up: 2 } }
control:
  - { type: http, url: "${control.url}" }
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "${site.url}" }
  - id: shop
    name: Our shop
    monitors:
      - { type: http, url: "${shop.url}" }
`,
    );
    const bot = new BotProcess({
      SERVICES_FILE: servicesFile,
      DATABASE_PATH: join(dir, 'bot.db'),
      HTTP_PORT: '0',
    });
    bots.push(bot);
    const banner = await bot.waitForLine(/status API on (http:\/\/\S+)\/api\/services/);
    const base = /status API on (http:\/\/\S+)\/api\/services/.exec(banner)?.[1] ?? '';

    const health = async () => {
      const res = await fetch(`${base}/healthz`);
      return { status: res.status, body: healthSchema.parse(await res.json()) };
    };
    const list = async () => serviceListSchema.parse(await (await fetch(`${base}/api/services`)).json());
    const gauge = async () => {
      const families = parsePrometheusTextFormat(await (await fetch(`${base}/metrics`)).text());
      return families.find((f) => f.name === 'incident_bot_vantage_ok')?.metrics[0]?.value;
    };

    await waitUntil(async () => (await list()).services.every((s) => s.status === 'up'));
    expect((await health()).status).toBe(200);
    expect(await gauge()).toBe('1');

    for (const t of targets) t.up = false;
    await waitUntil(async () => (await health()).status === 503);
    const blind = await health();
    expect(blind.body.vantage).toEqual({
      ok: false,
      reason: 'own network looks broken: 1/1 control targets failing',
      since: expect.any(String),
    });
    expect(blind.body.database).toEqual({ writable: true });
    // The list is cached for up to a second.
    await waitUntil(async () => !(await list()).vantage.ok);
    const services = await list();
    expect(services.vantage).toEqual(blind.body.vantage);
    expect(services.services.map((s) => [s.id, s.status])).toEqual([
      ['site', 'unknown'],
      ['shop', 'unknown'],
    ]);
    expect(await gauge()).toBe('0');
    expect(await (await fetch(`${base}/`)).text()).toContain('statuses are not current');

    for (const t of targets) t.up = true;
    await waitUntil(async () => (await health()).status === 200);
    expect((await health()).body.vantage).toEqual({ ok: true });
    await waitUntil(async () => (await list()).vantage.ok);
    expect(await gauge()).toBe('1');
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
