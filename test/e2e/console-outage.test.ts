import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceListSchema } from '../../src/web/api-schemas.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type Backend, backendDatabase } from '../helpers/backend-database.js';
import { BACKENDS } from '../helpers/backends.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { tempDir } from '../helpers/temp-dir.js';

const DOWN = /DOWN\s+Our site/;
const RECOVERED = /RECOVERED\s+Our site is back up after \d+s/;
/**
 * How long a start (tsx, and on PostgreSQL a pool and the migrations) may take before its first
 * line on a loaded machine; it normally takes a few seconds.
 */
const STARTUP_WAIT_MS = 90_000;

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

let target: HttpTarget | undefined;
const bots: BotProcess[] = [];

afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop('SIGKILL')));
  await target?.close();
  target = undefined;
});

function startBot(servicesFile: string, databaseEnv: Readonly<Record<string, string>>): BotProcess {
  const bot = new BotProcess({ SERVICES_FILE: servicesFile, HTTP_PORT: '0', ...databaseEnv });
  bots.push(bot);
  return bot;
}

/** The bot's database in `dir` on `backend`: the environment that points the bot at it. */
async function databaseEnv(backend: Backend, dir: string): Promise<Readonly<Record<string, string>>> {
  return (await backendDatabase(backend, dir)).env;
}

// What the console prints and the refused config: on SQLite. The restart, where what the bot stored
// decides what it prints, on both backends below.
describe('npm start with no chat tokens', () => {
  it('prints one down line and one recovery line with the duration, and nothing more', async () => {
    const site = (target = await startHttpTarget());
    const dir = tempDir('bot-e2e-');
    const bot = startBot(writeServices(dir, site.url), await databaseEnv('sqlite', dir));
    const banner = await bot.waitForLine(/status API on (http:\/\/\S+)\/api\/services/, STARTUP_WAIT_MS);
    const apiUrl = /status API on (http:\/\/\S+)\/api\/services/.exec(banner)?.[1] ?? '';

    const hitsBefore = site.hits;
    await waitUntil(() => site.hits >= hitsBefore + 2);
    site.up = false;
    await bot.waitForLine(DOWN);
    const { services } = serviceListSchema.parse(await (await fetch(`${apiUrl}/api/services`)).json());
    expect(services).toEqual([
      expect.objectContaining({ id: 'site', status: 'down', incident: expect.anything() }),
    ]);

    const hitsDown = site.hits;
    await waitUntil(() => site.hits >= hitsDown + 2); // still down: no new line
    site.up = true;
    await bot.waitForLine(RECOVERED);
    const hitsUp = site.hits;
    await waitUntil(() => site.hits >= hitsUp + 2); // still up: no new line

    expect(bot.linesMatching(/Our site/)).toHaveLength(2);
    expect(bot.linesMatching(DOWN)[0]).toMatch(/HTTP 503/);
  }, 180_000);

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
    const bot = startBot(file, await databaseEnv('sqlite', dir));
    expect(await bot.exited()).toBe(1);
    expect(bot.stderr).toMatch(/services\[0\]\.monitors\[0\]\.url/);
    expect(bot.stderr).toMatch(/services\[0\]\.monitors\[1\]\.type: unknown probe type "ftp"/);
    expect(bot.stderr).toMatch(/services\[0\]\.monitors\[2\]\.every/);
    expect(bot.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.each(BACKENDS)('npm start with no chat tokens on %s', (backend) => {
  it('does not announce an ongoing incident again after a restart', async () => {
    const site = (target = await startHttpTarget());
    const dir = tempDir('bot-e2e-');
    const servicesFile = writeServices(dir, site.url);
    const env = await databaseEnv(backend, dir);
    site.up = false;
    const first = startBot(servicesFile, env);
    await first.waitForLine(DOWN, STARTUP_WAIT_MS);
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = startBot(servicesFile, env);
    await second.waitForLine(/status API on/, STARTUP_WAIT_MS);
    const hits = site.hits;
    await waitUntil(() => site.hits >= hits + 3); // several failing checks after the restart
    expect(second.linesMatching(DOWN)).toEqual([]);
    site.up = true;
    const recovered = await second.waitForLine(RECOVERED);
    // The duration runs from the original start, before the restart.
    const seconds = Number(/after (\d+)s/.exec(recovered)?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(3);
  }, 240_000);
});

async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
