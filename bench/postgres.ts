/**
 * PostgreSQL for the benchmarks: a throw-away server of their own (test/helpers/postgres-cluster.ts),
 * a database on it opened as the bot opens one (openPostgres: pool, BIGINT as numbers, migrations),
 * and the server's CPU time read from /proc (the postmaster and every process under it: backends,
 * WAL writer, checkpointer, autovacuum), so a bench can say what the bot costs and, apart, what
 * its database server costs.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { type PgDb, openPostgres } from '../src/db/postgres/pool.js';
import { postgresBinDir, startPostgresCluster } from '../test/helpers/postgres-cluster.js';
import { descendants } from './support.js';

/** The pool size the bot opens by default (DATABASE_POOL_SIZE). */
export const BOT_POOL_SIZE = 10;

export interface BenchPostgres {
  /** The bench database's URL (superuser, no password: trust on loopback). */
  readonly url: string;
  /** The postmaster's process id. */
  readonly serverPid: number;
  /** CPU time (user + system) the server's process tree has used so far, in ms. */
  serverCpuMs(): number;
  /** A pool on the bench database, opened (and migrated) as the bot opens it. */
  open(poolSize?: number): Promise<PgDb>;
  stop(): Promise<void>;
}

/**
 * Which backends a bench runs: `BENCH_BACKEND` = sqlite, postgres or both. By default both when a
 * PostgreSQL server is installed, else SQLite alone (said on the output).
 */
export function benchBackends(): { sqlite: boolean; postgres: boolean } {
  const wanted = process.env['BENCH_BACKEND'] ?? 'default';
  switch (wanted) {
    case 'sqlite':
      return { sqlite: true, postgres: false };
    case 'postgres':
      return { sqlite: false, postgres: true };
    case 'both':
      return { sqlite: true, postgres: true };
    case 'default': {
      const installed = postgresBinDir() !== null;
      if (!installed)
        console.log('(no PostgreSQL server installed: SQLite only; BENCH_BACKEND=sqlite hides this)');
      return { sqlite: true, postgres: installed };
    }
    default:
      throw new Error(`BENCH_BACKEND: ${wanted} is not sqlite, postgres or both`);
  }
}

/** CPU time of one process and of its children that ended and were waited for, in ms (100 ticks a second). */
function procTreeEntryMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime, stime, cutime, cstime (fields 14-17 of proc(5); this array starts at field 3).
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0; // ended between the listing and the read: its time is in its parent's cutime now
  }
}

/**
 * Starts a server (durable: fsync, full page writes and synchronous commit on, as in production;
 * or not, where a bench measures bytes, which durability does not change) and a `bench` database.
 */
export async function startBenchPostgres(options: { durable: boolean }): Promise<BenchPostgres> {
  const cluster = await startPostgresCluster({ durable: options.durable });
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    let serverPid: number;
    try {
      await admin.query('CREATE DATABASE bench');
      const { rows } = await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const backend = rows[0]?.pid ?? 0;
      const match = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${backend}/status`, 'utf8'));
      serverPid = Number(match?.[1] ?? 0);
    } finally {
      await admin.end();
    }
    const url = new URL(cluster.url);
    url.pathname = '/bench';
    return {
      url: url.toString(),
      serverPid,
      // A process that ends moves its time into its parent's cutime when reaped: nothing is lost
      // or counted twice between two reads (at /proc's resolution of 10 ms per process).
      serverCpuMs: () =>
        [serverPid, ...descendants(serverPid)].reduce((total, pid) => total + procTreeEntryMs(pid), 0),
      open: (poolSize = BOT_POOL_SIZE) => openPostgres(url.toString(), { poolSize }),
      stop: () => cluster.stop(),
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

export interface RelationSize {
  readonly name: string;
  /** Table: heap + TOAST + free-space and visibility maps (pg_table_size); index: pg_relation_size. */
  readonly bytes: number;
}

/** The sizes of the public schema's tables and indexes, largest first, and their total. */
export async function relationSizes(pool: pg.Pool): Promise<{ total: number; relations: RelationSize[] }> {
  const { rows } = await pool.query<{ name: string; bytes: number }>(
    `SELECT c.relname AS name,
            (CASE c.relkind WHEN 'r' THEN pg_table_size(c.oid) ELSE pg_relation_size(c.oid) END)::bigint AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')
      ORDER BY bytes DESC, name`,
  );
  const total = await pool.query<{ bytes: number }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'`,
  );
  return { total: total.rows[0]?.bytes ?? 0, relations: rows };
}
