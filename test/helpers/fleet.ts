/**
 * A fleet of bot processes on one PostgreSQL, for the chaos test (test/e2e/fleet-chaos.test.ts):
 * each instance runs the built bot (`node dist/main.js`, a start takes a fraction of tsx's) with
 * its own `INSTANCE_ID`, `VANTAGE`, `HTTP_PORT=0` and its own TCP proxy in front of the database
 * (test/fakes/tcp-proxy.ts), so that one instance can be partitioned from PostgreSQL while the
 * others keep their connections. Instances can be SIGKILLed and restarted; an exit the test did
 * not cause is recorded (`unexpectedExits`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CutMode, type TcpProxy, startTcpProxy } from '../fakes/tcp-proxy.js';
import { BotProcess } from './bot-process.js';

/** How long a (re)start may take to print its start-up line on a loaded 2-core machine. */
const STARTUP_WAIT_MS = 90_000;
const STARTED = /status API on (http:\/\/\S+)\/api\/services/;
/** A graceful stop that takes longer is cut short with SIGKILL. */
const STOP_WAIT_MS = 10_000;

export interface FleetOptions {
  readonly instances: number;
  /** The database every instance uses; each reaches it through its own proxy. */
  readonly databaseUrl: string;
  readonly servicesFile: string;
  /** A folder for the instances' local files (`DATABASE_PATH`: the push secret), one subfolder each. */
  readonly dir: string;
  /** Environment for every instance (platforms, `CLUSTER_LEASE_S`, …). */
  readonly env: NodeJS.ProcessEnv;
  /** The command line of each instance; by default `node dist/main.js` (a bench adds `npm start`'s node flags). */
  readonly command?: readonly string[];
  /** How long a (re)start may take to print its start-up line; default 90 s. */
  readonly startupWaitMs?: number;
}

export interface FleetInstance {
  readonly index: number;
  /** `INSTANCE_ID`: `chaos-<index>`. */
  readonly id: string;
  /** `VANTAGE`: `vantage-<index>`. */
  readonly vantage: string;
  readonly proxy: TcpProxy;
  /** The current process; undefined while killed. */
  bot: BotProcess | undefined;
  /** Read from the start-up line of the current process. */
  healthzUrl: string;
  metricsUrl: string;
  /** Processes started so far. */
  starts: number;
  /** Every process it ran, the current one last (their output stays readable). */
  readonly processes: BotProcess[];
}

export interface UnexpectedExit {
  readonly index: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

export interface Fleet {
  readonly instances: readonly FleetInstance[];
  /** Exits of processes the fleet did not kill or stop (a crash). */
  readonly unexpectedExits: readonly UnexpectedExit[];
  /** Starts every instance and resolves once all printed their start-up line. */
  start(): Promise<void>;
  /** SIGKILL, resolved once the process is gone. */
  kill(index: number): Promise<void>;
  /** Starts a killed instance again; resolves at its start-up line. */
  restart(index: number): Promise<void>;
  /** Cuts (open connections reset, or frozen) / heals the instance's path to PostgreSQL. */
  partition(index: number, mode?: CutMode): void;
  heal(index: number): void;
  /** The status of the instance's `/healthz` (0 when it does not answer). */
  healthz(index: number): Promise<number>;
  metrics(index: number): Promise<string>;
  /** SIGTERM to every live instance (SIGKILL after 10 s), then closes the proxies. */
  stopAll(): Promise<void>;
}

/** Builds `dist/` (incremental: a no-op when it is current) so instances run the code under test. */
export function buildBot(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'ignore' });
}

function throughProxy(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

/**
 * What an instance logged at warning level and above (`LOG_LEVEL=warn`, on stderr), as `message ×count`,
 * most frequent first, over all its processes: a failing run's first clue.
 */
export function logTally(instance: FleetInstance, top = 8): string {
  const counts = new Map<string, number>();
  for (const bot of instance.processes)
    for (const line of [...bot.stdout, ...bot.stderr.split('\n')]) {
      let msg: string;
      try {
        msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? '');
      } catch {
        continue; // not a log record (start-up and operator lines)
      }
      counts.set(msg, (counts.get(msg) ?? 0) + 1);
    }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([msg, n]) => `${msg} ×${n}`)
    .join('; ');
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const target = new URL(options.databaseUrl);
  const instances: FleetInstance[] = [];
  const unexpectedExits: UnexpectedExit[] = [];
  /** Processes the fleet itself is stopping: their exit is expected. */
  const stopping = new Set<BotProcess>();
  for (let index = 0; index < options.instances; index++) {
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    instances.push({
      index,
      id: `chaos-${index}`,
      vantage: `vantage-${index}`,
      proxy,
      bot: undefined,
      healthzUrl: '',
      metricsUrl: '',
      starts: 0,
      processes: [],
    });
  }

  const instance = (index: number): FleetInstance => {
    const i = instances[index];
    if (i === undefined) throw new Error(`no instance ${index}`);
    return i;
  };

  async function launch(i: FleetInstance): Promise<void> {
    if (i.bot !== undefined) throw new Error(`instance ${i.index} is running`);
    const dir = join(options.dir, i.id);
    mkdirSync(dir, { recursive: true });
    const bot = new BotProcess(
      {
        ...options.env,
        SERVICES_FILE: options.servicesFile,
        DATABASE_URL: throughProxy(options.databaseUrl, i.proxy.port),
        DATABASE_PATH: join(dir, 'bot.db'),
        HTTP_PORT: '0',
        INSTANCE_ID: i.id,
        VANTAGE: i.vantage,
      },
      options.command ?? [process.execPath, 'dist/main.js'],
    );
    i.bot = bot;
    i.starts++;
    i.processes.push(bot);
    bot.child.once('exit', (code, signal) => {
      if (!stopping.has(bot)) unexpectedExits.push({ index: i.index, code, signal, stderr: bot.stderr });
      if (i.bot === bot) i.bot = undefined;
    });
    const line = await bot
      .waitForLine(STARTED, options.startupWaitMs ?? STARTUP_WAIT_MS)
      .catch((err: unknown) => {
        throw new Error(`instance ${i.index} (${i.id}) did not start: ${(err as Error).message}`);
      });
    const base = STARTED.exec(line)?.[1] ?? '';
    i.healthzUrl = `${base}/healthz`;
    i.metricsUrl = `${base}/metrics`;
  }

  async function stop(bot: BotProcess, signal: NodeJS.Signals): Promise<void> {
    stopping.add(bot);
    if (bot.child.exitCode !== null || bot.child.signalCode !== null) return;
    const exited = bot.exited();
    bot.child.kill(signal);
    if (signal !== 'SIGKILL') {
      const timer = setTimeout(() => bot.child.kill('SIGKILL'), STOP_WAIT_MS);
      await exited;
      clearTimeout(timer);
    } else await exited;
  }

  return {
    instances,
    unexpectedExits,
    start: async () => {
      await Promise.all(instances.map(launch));
    },
    kill: async (index) => {
      const i = instance(index);
      const bot = i.bot;
      if (bot === undefined) return;
      await stop(bot, 'SIGKILL');
      i.bot = undefined;
    },
    restart: (index) => launch(instance(index)),
    partition: (index, mode) => instance(index).proxy.cut(mode),
    heal: (index) => instance(index).proxy.heal(),
    healthz: async (index) => {
      try {
        return (await fetch(instance(index).healthzUrl, { signal: AbortSignal.timeout(5_000) })).status;
      } catch {
        return 0;
      }
    },
    metrics: async (index) => (await fetch(instance(index).metricsUrl)).text(),
    stopAll: async () => {
      await Promise.all(
        instances.map(async (i) => {
          if (i.bot !== undefined) await stop(i.bot, 'SIGTERM');
          i.bot = undefined;
        }),
      );
      await Promise.all(instances.map((i) => i.proxy.close()));
    },
  };
}
