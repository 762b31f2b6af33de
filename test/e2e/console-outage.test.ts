import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceListSchema } from '../../src/web/api-schemas.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { tempDir } from '../helpers/temp-dir.js';

const DOWN = /DOWN\s+Our site/;
const RECOVERED = /RECOVERED\s+Our site is back up after \d+s/;

function writeServices(dir: string, url: string): string {
  const file = join(dir, 'services.yaml');
  writeFileSync(
    file,
    `defaults: { every: 1s, timeout: 800ms, confirm: { down: 2, up: 2 } }
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "${url}" }
`,
  );
  return file;
}

describe('npm start with no chat tokens', () => {
  let target: HttpTarget;
  const bots: BotProcess[] = [];

  afterEach(async () => {
    await Promise.all(bots.splice(0).map((b) => b.stop('SIGKILL')));
    await target?.close();
  });

  function startBot(dir: string, servicesFile: string): BotProcess {
    const bot = new BotProcess({
      SERVICES_FILE: servicesFile,
      DATABASE_PATH: join(dir, 'bot.db'),
      HTTP_PORT: '0',
    });
    bots.push(bot);
    return bot;
  }

  it('prints one down line and one recovery line with the duration, and nothing more', async () => {
    target = await startHttpTarget();
    const dir = tempDir('bot-e2e-');
    const bot = startBot(dir, writeServices(dir, target.url));
    const banner = await bot.waitForLine(/status API on (http:\/\/\S+)\/api\/services/);
    const apiUrl = /status API on (http:\/\/\S+)\/api\/services/.exec(banner)?.[1] ?? '';

    const hitsBefore = target.hits;
    await waitUntil(() => target.hits >= hitsBefore + 2);
    target.up = false;
    await bot.waitForLine(DOWN);
    const { services } = serviceListSchema.parse(await (await fetch(`${apiUrl}/api/services`)).json());
    expect(services).toEqual([
      expect.objectContaining({ id: 'site', status: 'down', incident: expect.anything() }),
    ]);

    const hitsDown = target.hits;
    await waitUntil(() => target.hits >= hitsDown + 2); // still down: no new line
    target.up = true;
    await bot.waitForLine(RECOVERED);
    const hitsUp = target.hits;
    await waitUntil(() => target.hits >= hitsUp + 2); // still up: no new line

    expect(bot.linesMatching(/Our site/)).toHaveLength(2);
    expect(bot.linesMatching(DOWN)[0]).toMatch(/HTTP 503/);
  });

  it('does not announce an ongoing incident again after a restart', async () => {
    target = await startHttpTarget();
    const dir = tempDir('bot-e2e-');
    const servicesFile = writeServices(dir, target.url);
    target.up = false;
    const first = startBot(dir, servicesFile);
    await first.waitForLine(DOWN);
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = startBot(dir, servicesFile);
    await second.waitForLine(/status API on/);
    const hits = target.hits;
    await waitUntil(() => target.hits >= hits + 3); // several failing checks after the restart
    expect(second.linesMatching(DOWN)).toEqual([]);
    target.up = true;
    const recovered = await second.waitForLine(RECOVERED);
    // The duration runs from the original start, before the restart.
    const seconds = Number(/after (\d+)s/.exec(recovered)?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(3);
  });

  it('stops with every config problem listed, exit code 1 and no stack trace', async () => {
    const dir = tempDir('bot-e2e-');
    const file = join(dir, 'services.yaml');
    writeFileSync(
      file,
      `services:
  - id: a
    name: A
    monitors:
      - { type: http, url: "nope" }
      - { type: ftp, host: x }
      - { type: tcp, host: h, port: 80, every: often }
`,
    );
    const bot = startBot(dir, file);
    expect(await bot.exited()).toBe(1);
    expect(bot.stderr).toMatch(/services\[0\]\.monitors\[0\]\.url/);
    expect(bot.stderr).toMatch(/services\[0\]\.monitors\[1\]\.type: unknown probe type "ftp"/);
    expect(bot.stderr).toMatch(/services\[0\]\.monitors\[2\]\.every/);
    expect(bot.stderr).not.toMatch(/\n\s+at /);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
