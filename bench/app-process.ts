/**
 * The app as users run it, for benchmarks: `npm start` (or another command) in a child process with
 * a services file, port 0 and no chat tokens but those given, found by its "status API on" line,
 * scraped at /metrics, stopped with SIGTERM on the bot process itself (SIGKILL to the whole tree
 * after 30 s). bench/scale.ts and bench/app.ts start it through here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { descendants } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
};

/** The bot itself under `npm start`: the deepest process running src/main.ts or dist/…/main.js (tsx runs it in a child). */
export function findBotPid(root: number): number | undefined {
  return [root, ...descendants(root)].filter((pid) => /\bmain\.(js|ts)\b/.test(cmdline(pid))).at(-1);
}

/**
 * A services file of `count` services, one HTTP monitor each on `url` every `every`. `monitorExtra`
 * and `serviceExtra` are YAML flow-map entries added to each (e.g. `reuse: true`, `crowd: false`).
 */
export function httpServicesYaml(
  count: number,
  url: string,
  every: string,
  extra: { service?: string; monitor?: string } = {},
): string {
  const service = extra.service ? ` ${extra.service},` : '';
  const monitor = extra.monitor ? `, ${extra.monitor}` : '';
  const lines: string[] = ['services:'];
  for (let i = 0; i < count; i++)
    lines.push(
      `  - { id: s${i}, name: S${i},${service} monitors: [ { type: http, url: "${url}", every: ${every}${monitor} } ] }`,
    );
  return `${lines.join('\n')}\n`;
}

/**
 * The app's environment: this process's, with no chat tokens (empty values also override any in a
 * developer's .env), the services file, port 0 on loopback, then `extra` (database, fakes' tokens).
 */
export function appEnv(servicesFile: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DISCORD_TOKEN: '',
    DISCORD_TOKEN_FILE: '',
    DISCORD_APPLICATION_ID: '',
    TELEGRAM_BOT_TOKEN: '',
    TELEGRAM_BOT_TOKEN_FILE: '',
    SERVICES_FILE: servicesFile,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface AppProcess {
  readonly child: ChildProcess;
  /** The bot process itself (not npm's). */
  readonly pid: number;
  /** Its command line, from /proc. */
  readonly commandLine: string;
  readonly baseUrl: string;
  /** From spawning the command to the "status API on" line, in ms. */
  readonly startMs: number;
  /** The last 20 lines of its stderr (native stack frames of a V8 fatal error left out). */
  stderrTail(): string;
  /** Its /metrics text; throws with the stderr tail if the bot does not answer within `timeoutMs`. */
  scrape(timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Stops a started command: SIGTERM to the bot process, SIGKILL to its whole tree after 30 s. */
async function stopTree(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const pid = findBotPid(child.pid ?? 0);
  const exited = once(child, 'exit');
  if (pid !== undefined) process.kill(pid, 'SIGTERM');
  else child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const p of [child.pid ?? 0, ...descendants(child.pid ?? 0)].reverse()) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 30_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs `command` (a shell command line, e.g. `npm start --silent`) with `env` and waits for its
 * status API. `onStderrLine` sees every stderr line. On failure to start the tree is stopped.
 */
export async function startApp(options: {
  command: string;
  env: NodeJS.ProcessEnv;
  startTimeoutMs: number;
  onStderrLine?: (line: string) => void;
}): Promise<AppProcess> {
  const startedAt = Date.now();
  const child = spawn(options.command, { shell: true, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    options.onStderrLine?.(line);
    if (line.includes('check skipped') || /^\s*\d+: 0x/.test(line)) return;
    tail.push(line);
    if (tail.length > 20) tail.shift();
  });
  const stderrTail = (): string => tail.join('\n');
  let baseUrl: string;
  try {
    baseUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the bot did not start in ${options.startTimeoutMs / 1000} s`)),
        options.startTimeoutMs,
      );
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const match = /status API on (http:\/\/\S+)\/api\/services/.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the bot exited (${code}) before starting:\n${stderrTail()}`));
      });
    });
  } catch (err) {
    await stopTree(child);
    throw err;
  }
  const startMs = Date.now() - startedAt;
  const pid = findBotPid(child.pid ?? 0);
  if (pid === undefined) {
    await stopTree(child);
    throw new Error(`no bot process under ${options.command}`);
  }
  return {
    child,
    pid,
    commandLine: cmdline(pid),
    baseUrl,
    startMs,
    stderrTail,
    async scrape(timeoutMs = 60_000) {
      try {
        return await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(timeoutMs) })).text();
      } catch (err) {
        await sleep(1000); // let an exit and its last stderr lines arrive
        const state = child.exitCode === null ? 'still running' : `exited with ${child.exitCode}`;
        throw new Error(`scraping /metrics failed, the bot ${state}:\n${stderrTail()}`, { cause: err });
      }
    },
    stop: () => stopTree(child),
  };
}
