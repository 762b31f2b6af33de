/**
 * The image without Docker: the final stage's files laid out as its COPY instructions put them
 * under WORKDIR (the build stage's results taken from this checkout, built for the run by
 * test/setup/build.ts), the bot started there by the image's CMD with the image's environment, and
 * the HEALTHCHECK, the very command the Dockerfile names, run in that folder: it exits 0 while the
 * bot is healthy, and not 0 when `/healthz` answers 503 or nothing listens. The bot, sent the
 * image's STOPSIGNAL, stops cleanly.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { tempDir } from '../helpers/temp-dir.js';
import {
  ROOT,
  type Stage,
  argsOf,
  envOf,
  execForm,
  healthcheckOf,
  parseDockerfile,
  readRepoFile,
} from './packaging-files.js';

const image = parseDockerfile(readRepoFile('Dockerfile')).at(-1) as Stage;
const { command } = healthcheckOf(image);

const workdir = argsOf(image, 'WORKDIR').at(-1) ?? '/';

/**
 * What the final stage's COPY instructions put under WORKDIR, in a fresh folder: from the build
 * stage (`--from=…`, its WORKDIR being this checkout after `npm run build`) and from the build
 * context (this checkout). node_modules holds links to the production packages only (what
 * `npm prune --omit=dev` leaves), so dist/ importing a development package fails here as in the
 * image. Files copied elsewhere (fonts) are left out.
 */
async function imageLayout(): Promise<string> {
  const root = tempDir('image-');
  for (const args of argsOf(image, 'COPY')) {
    const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
    const dest = words.pop() ?? '';
    const target = posix.resolve(workdir, dest);
    if (target !== workdir && !target.startsWith(`${workdir}/`)) continue;
    for (const source of words) {
      // A build stage's path is under its WORKDIR, /app, which is this checkout once built.
      const from = join(ROOT, source.replace(/^\/app\//, ''));
      const to = join(
        root,
        posix.relative(workdir, target),
        dest.endsWith('/') ? posix.basename(source) : '',
      );
      mkdirSync(dirname(to), { recursive: true });
      if (posix.basename(source) === 'node_modules') await linkProductionPackages(to);
      else cpSync(from, to, { recursive: true });
    }
  }
  return root;
}

/**
 * A node_modules folder of links to this checkout's production packages (npm's list without the
 * development ones): each top-level package, its own nested node_modules coming along.
 */
async function linkProductionPackages(to: string): Promise<void> {
  const { stdout } = await promisify(execFile)('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: ROOT,
  });
  const packages = stdout
    .split('\n')
    .map((line) => relative(ROOT, line.trim()).split(sep).join('/'))
    .filter((path) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path));
  expect(packages).toContain('node_modules/better-sqlite3');
  expect(packages).not.toContain('node_modules/vitest');
  for (const path of packages) {
    const link = join(to, ...path.split('/').slice(1));
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, path), link);
  }
}

/** Runs the health check as Docker would in the container, for a bot on `port`: its exit code. */
async function healthcheck(cwd: string, port: number): Promise<{ code: number; stderr: string }> {
  const [program = '', ...args] = command;
  return promisify(execFile)(program, args, {
    cwd,
    env: { PATH: process.env['PATH'], ...envOf(image), HTTP_PORT: String(port) },
  }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (err: { code?: number; stderr?: string }) => ({ code: err.code ?? -1, stderr: err.stderr ?? '' }),
  );
}

/** Waits until `/healthz` says 200 (the first scheduler tick), at most `timeoutMs`. */
async function healthy(base: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${base}/healthz`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`/healthz still ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the HEALTHCHECK of the Dockerfile', () => {
  const bots: BotProcess[] = [];
  let targets: HttpTarget[] = [];

  afterEach(async () => {
    await Promise.all(bots.splice(0).map((b) => b.stop('SIGKILL')));
    await Promise.all(targets.map((t) => t.close()));
    targets = [];
  });

  it('exits 0 for a running bot, 1 for a 503 and 1 once the bot has stopped on SIGTERM', async () => {
    const site = await startHttpTarget();
    const degraded = await startHttpTarget();
    degraded.up = false;
    targets = [site, degraded];
    const dir = tempDir('healthcheck-');
    writeFileSync(
      join(dir, 'services.yaml'),
      `defaults: { every: 1s, timeout: 800ms }
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "${site.url}" }
`,
    );
    // The image's CMD in its WORKDIR: node is this test's node, the script a path into the layout
    // (BotProcess starts it in the test's folder).
    const app = await imageLayout();
    const [node, ...cmdArgs] = execForm(argsOf(image, 'CMD').at(-1) ?? '');
    expect(node).toBe('node');
    const main = cmdArgs.pop() ?? '';
    // The image's environment, except where a test must differ: loopback only, a free port, its
    // own files.
    const bot = new BotProcess(
      {
        ...envOf(image),
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: '0',
        DATABASE_PATH: join(dir, 'bot.db'),
        SERVICES_FILE: join(dir, 'services.yaml'),
      },
      [process.execPath, ...cmdArgs, join(app, main)],
    );
    bots.push(bot);
    const banner = await bot.waitForLine(/status API on (http:\/\/\S+)\/api\/services/, 90_000);
    const base = /status API on (http:\/\/\S+)\/api\/services/.exec(banner)?.[1] ?? '';
    const port = Number(new URL(base).port);
    await healthy(base);

    expect(await healthcheck(app, port)).toEqual({ code: 0, stderr: '' });

    const answered503 = await healthcheck(app, Number(new URL(degraded.url).port));
    expect(answered503.code).toBe(1);
    expect(answered503.stderr).toMatch(/answered 503/);

    const signal = argsOf(image, 'STOPSIGNAL')[0] as NodeJS.Signals;
    expect(await bot.stop(signal)).toBe(0);
    const gone = await healthcheck(app, port);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/unhealthy/);
  });
});
