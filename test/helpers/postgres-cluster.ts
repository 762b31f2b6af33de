/**
 * A throw-away PostgreSQL server for the tests and the benchmarks: a fresh cluster in a temporary
 * folder, listening on loopback on a free port, removed when stopped. PostgreSQL refuses to run as
 * root, so when we are root the cluster belongs to `nobody` and its programs run as that user.
 * The server binaries are looked for in `PG_BIN`, then in Debian's `/usr/lib/postgresql/<n>/bin`
 * (newest first), then on the PATH (`pg_config --bindir`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

/** The user a cluster belongs to when we run as root. */
const UNPRIVILEGED = { uid: 65534, gid: 65534 } as const;

export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: the superuser, no password (trust on loopback). */
  readonly url: string;
  readonly port: number;
  /** Stops the server (fast shutdown) and removes its folder. */
  stop(): Promise<void>;
  /** Stops the server but keeps its data: `start` brings it back on the same port (fault tests). */
  pause(): Promise<void>;
  start(): Promise<void>;
}

export interface ClusterOptions {
  /**
   * Durable like a production server (fsync, full page writes, synchronous commit). Off by default:
   * a test cluster is thrown away, so the tests skip the disk flushes; the benchmarks turn it on.
   */
  readonly durable?: boolean;
}

/** Where the PostgreSQL server programs are, or null when none is installed. */
export function postgresBinDir(): string | null {
  const fromEnv = process.env['PG_BIN'];
  if (fromEnv && existsSync(join(fromEnv, 'postgres'))) return fromEnv;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v) && existsSync(join(debian, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(debian, versions[0], 'bin');
  }
  const config = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const dir = config.status === 0 ? config.stdout.trim() : '';
  return dir && existsSync(join(dir, 'postgres')) ? dir : null;
}

function asRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Lets `nobody` reach the cluster folder: our own temporary folders are created 0700. */
function openPathTo(dir: string): void {
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o011);
  }
}

async function waitUntilReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}: ${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not start: ${String(err)}\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts a fresh cluster. Throws, naming what is missing, when PostgreSQL is not installed. */
export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === null)
    throw new Error('PostgreSQL server programs not found (PG_BIN, /usr/lib/postgresql/*/bin, pg_config)');
  const root = asRoot();
  const dir = mkdtempSync(join(tmpdir(), 'pg-cluster-'));
  const data = join(dir, 'data');
  const owner = root ? UNPRIVILEGED : {};
  if (root) {
    openPathTo(dir);
    chownSync(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  }
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', HOME: dir };
  const init = spawnSync(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ],
    { ...owner, env, encoding: 'utf8', cwd: dir },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.error?.message}`);
  }
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const settings = [
    ['listen_addresses', '127.0.0.1'],
    ['port', String(port)],
    ['unix_socket_directories', ''],
    ['max_connections', '300'],
    ['log_min_messages', 'fatal'],
    ...(options.durable
      ? []
      : [
          ['fsync', 'off'],
          ['synchronous_commit', 'off'],
          ['full_page_writes', 'off'],
        ]),
  ];
  let server: ChildProcess | null = null;
  let output = '';
  const start = async (): Promise<void> => {
    output = '';
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', data, ...settings.flatMap(([k, v]) => ['-c', `${k}=${v}`])],
      {
        ...owner,
        env,
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    server = child;
    await waitUntilReady(url, child, () => output);
  };
  const halt = async (): Promise<void> => {
    const child = server;
    server = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT'); // fast shutdown: open connections are ended, no checkpoint wait
    });
  };
  try {
    await start();
  } catch (err) {
    await halt();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    port,
    pause: halt,
    start,
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
