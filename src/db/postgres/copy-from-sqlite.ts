/**
 * Copies a SQLite database into PostgreSQL (`npm run db:migrate-to-postgres`, docs/postgres.md
 * "Moving from SQLite"): every table, ids kept, in one PostgreSQL transaction, from one SQLite read
 * snapshot. The tables and their columns come from the two schemas, which must match; the order
 * from PostgreSQL's foreign keys.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { type Db, openDatabase } from '../database.js';

/** Each dialect's own record of applied migrations, and PostgreSQL's cluster state: never copied, never checked for rows. */
const BOOKKEEPING_TABLES: ReadonlySet<string> = new Set([
  'schema_migrations',
  // Several instances' coordination (docs/cluster.md): runtime state with no SQLite twin.
  'cluster_members',
  'cluster_leases',
  'vantage_results',
]);
/** Rows per INSERT, at most (fewer for wide tables: PostgreSQL takes at most 65,535 parameters). */
export const BATCH_ROWS = 500;
const MAX_PARAMETERS = 65_535;

export interface CopyOptions {
  /** The SQLite file; it must exist. It is migrated to the latest schema first. */
  readonly from: string;
  /** The target database, already migrated (`migratePostgresSchema`). */
  readonly pool: pg.Pool;
  /** Empty the target's tables first instead of refusing a target that holds data. */
  readonly replace?: boolean;
  readonly batchRows?: number;
  /** The copy's time: leased outbox rows become due at it; the summary's duration. */
  readonly clock?: { now(): number };
  /** Called (and awaited) after each table is copied and counted, before the commit: progress. */
  readonly onTable?: (copied: TableCopied) => void | Promise<void>;
}

export interface TableCopied {
  readonly table: string;
  readonly rows: number;
}

export interface CopySummary {
  /** In the order they were copied (parents before the tables pointing at them). */
  readonly tables: readonly TableCopied[];
  readonly rows: number;
  /** Outbox rows that were leased in SQLite, copied as pending. */
  readonly leasedAsPending: number;
  readonly ms: number;
}

/** The target holds data and `replace` was not asked for; nothing was written. */
export class CopyRefusedError extends Error {
  constructor(readonly nonEmpty: readonly string[]) {
    super(
      `the PostgreSQL database already holds data (in ${nonEmpty.join(', ')}); ` +
        'nothing was copied. Use --replace to empty it first.',
    );
    this.name = 'CopyRefusedError';
  }
}

/** The two schemas do not describe the same tables and columns; nothing was written. */
export class CopySchemaError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the SQLite and PostgreSQL schemas differ, nothing was copied:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CopySchemaError';
  }
}

type ColumnKind = 'boolean' | 'bytea' | 'integer' | 'text' | 'other';

interface TablePlan {
  readonly name: string;
  readonly columns: readonly string[];
  readonly kinds: readonly ColumnKind[];
  readonly identity: readonly string[];
}

interface PgColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  is_identity: string;
}

/**
 * Copies `from` into the pool's database in one transaction: refuses a target with rows (unless
 * `replace`, which truncates it first), copies every table in foreign-key order, moves each
 * identity past the highest copied id, and checks each table's row count before the commit. Any
 * failure rolls everything back. Throws CopyRefusedError, CopySchemaError or the failure.
 */
export async function copySqliteToPostgres(options: CopyOptions): Promise<CopySummary> {
  const clock = options.clock ?? { now: () => Date.now() };
  const started = clock.now();
  if (!existsSync(options.from)) throw new Error(`no SQLite database at ${options.from}`);
  const sqlite = openDatabase(options.from);
  const client = await options.pool.connect().catch((err: unknown) => {
    sqlite.close();
    throw err;
  });
  // The connection lost while checked out (the server stopped): an 'error' event, and the next
  // query fails. Without a listener the event would end the process.
  let lost: Error | undefined;
  const onError = (err: Error): void => {
    lost = err;
  };
  client.on('error', onError);
  let pgOpen = false;
  let sqliteOpen = false;
  try {
    await client.query('BEGIN');
    pgOpen = true;
    const plan = await planCopy(sqlite, client);
    const all = plan.map((t) => quoteIdent(t.name)).join(', ');
    // No other writer between the emptiness check and the commit (a bot started too early waits).
    await client.query("SET LOCAL lock_timeout = '10s'");
    await client.query(`LOCK TABLE ${all} IN ACCESS EXCLUSIVE MODE`);
    const nonEmpty: string[] = [];
    for (const t of plan) {
      const r = await client.query<{ has: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${quoteIdent(t.name)}) AS has`,
      );
      if (r.rows[0]?.has === true) nonEmpty.push(t.name);
    }
    if (nonEmpty.length > 0) {
      if (options.replace !== true) throw new CopyRefusedError(nonEmpty);
      await client.query(`TRUNCATE ${all} RESTART IDENTITY`);
    }

    // One read transaction: every table is read from the same snapshot, however long the copy.
    sqlite.exec('BEGIN');
    sqliteOpen = true;
    const counts = new Map(
      plan.map((t) => [
        t.name,
        sqlite
          .prepare(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`)
          .pluck()
          .get() as number,
      ]),
    );
    const tables: TableCopied[] = [];
    let leasedAsPending = 0;
    for (const t of plan) {
      const copied = await copyTable(sqlite, client, t, options.batchRows ?? BATCH_ROWS, started);
      leasedAsPending += copied.leasedAsPending;
      const expected = counts.get(t.name) ?? 0;
      const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`);
      const stored = Number(r.rows[0]?.n ?? -1);
      if (copied.rows !== expected || stored !== expected)
        throw new Error(
          `${t.name}: ${expected} rows in SQLite, ${copied.rows} read, ${stored} in PostgreSQL`,
        );
      await moveIdentities(client, t);
      tables.push({ table: t.name, rows: copied.rows });
      await options.onTable?.({ table: t.name, rows: copied.rows });
    }
    sqlite.exec('COMMIT');
    sqliteOpen = false;
    await client.query('COMMIT');
    pgOpen = false;
    return {
      tables,
      rows: tables.reduce((sum, t) => sum + t.rows, 0),
      leasedAsPending,
      ms: clock.now() - started,
    };
  } finally {
    if (sqliteOpen) sqlite.exec('ROLLBACK');
    sqlite.close();
    // A failed ROLLBACK (the connection lost) leaves nothing to undo: the server drops the
    // transaction. That connection is then closed rather than returned to the pool.
    let broken = lost;
    if (pgOpen && broken === undefined)
      await client.query('ROLLBACK').catch((err: unknown) => {
        broken = err as Error;
      });
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * The tables to copy, parents first, with their columns, after checking that both schemas hold the
 * same tables with the same columns: a table one side does not know is an error, never skipped.
 */
async function planCopy(sqlite: Db, client: pg.PoolClient): Promise<TablePlan[]> {
  const sqliteTables = new Map<string, string[]>();
  const names = sqlite
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    .pluck()
    .all() as string[];
  for (const name of names) {
    if (BOOKKEEPING_TABLES.has(name)) continue;
    sqliteTables.set(
      name,
      sqlite.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(name) as string[],
    );
  }

  const columns = await client.query<PgColumnRow>(
    `SELECT c.table_name, c.column_name, c.data_type, c.is_identity
     FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name, c.ordinal_position`,
  );
  const pgTables = new Map<string, PgColumnRow[]>();
  for (const row of columns.rows) {
    if (BOOKKEEPING_TABLES.has(row.table_name)) continue;
    pgTables.set(row.table_name, [...(pgTables.get(row.table_name) ?? []), row]);
  }

  const problems: string[] = [];
  for (const name of sqliteTables.keys())
    if (!pgTables.has(name)) problems.push(`table ${name} is in SQLite but not in PostgreSQL`);
  for (const name of pgTables.keys())
    if (!sqliteTables.has(name)) problems.push(`table ${name} is in PostgreSQL but not in SQLite`);
  const plans = new Map<string, TablePlan>();
  for (const [name, pgColumns] of pgTables) {
    const sqliteColumns = sqliteTables.get(name);
    if (sqliteColumns === undefined) continue;
    const pgNames = pgColumns.map((c) => c.column_name);
    const missing = sqliteColumns.filter((c) => !pgNames.includes(c));
    const extra = pgNames.filter((c) => !sqliteColumns.includes(c));
    if (missing.length > 0) problems.push(`${name}: column(s) ${missing.join(', ')} not in PostgreSQL`);
    if (extra.length > 0) problems.push(`${name}: column(s) ${extra.join(', ')} not in SQLite`);
    plans.set(name, {
      name,
      columns: pgNames,
      kinds: pgColumns.map((c) => columnKind(c.data_type)),
      identity: pgColumns.filter((c) => c.is_identity === 'YES').map((c) => c.column_name),
    });
  }
  if (problems.length > 0) throw new CopySchemaError(problems.sort());

  const keys = await client.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent
     FROM pg_constraint k
     JOIN pg_class c ON c.oid = k.conrelid
     JOIN pg_class p ON p.oid = k.confrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.contype = 'f' AND n.nspname = current_schema()`,
  );
  return foreignKeyOrder([...plans.keys()], keys.rows).map((name) => plans.get(name)!);
}

/** `tables` with every parent before its children; otherwise by name, so the order is stable. */
export function foreignKeyOrder(
  tables: readonly string[],
  keys: readonly { readonly child: string; readonly parent: string }[],
): string[] {
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const k of keys)
    if (k.child !== k.parent && parents.has(k.parent)) parents.get(k.child)?.add(k.parent);
  const order: string[] = [];
  const placed = new Set<string>();
  const remaining = [...tables].sort();
  while (remaining.length > 0) {
    const next = remaining.findIndex((t) => [...(parents.get(t) ?? [])].every((p) => placed.has(p)));
    if (next < 0) throw new Error(`foreign keys form a cycle among ${remaining.join(', ')}`);
    const [table] = remaining.splice(next, 1) as [string];
    order.push(table);
    placed.add(table);
  }
  return order;
}

function columnKind(dataType: string): ColumnKind {
  switch (dataType) {
    case 'boolean':
      return 'boolean';
    case 'bytea':
      return 'bytea';
    case 'bigint':
    case 'integer':
    case 'smallint':
      return 'integer';
    case 'text':
    case 'character varying':
      return 'text';
    default:
      return 'other';
  }
}

/** One table, in batches of multi-row INSERTs with parameters. */
async function copyTable(
  sqlite: Db,
  client: pg.PoolClient,
  table: TablePlan,
  batchRows: number,
  copyTime: number,
): Promise<{ rows: number; leasedAsPending: number }> {
  const perBatch = Math.max(1, Math.min(batchRows, Math.floor(MAX_PARAMETERS / table.columns.length)));
  const columnList = table.columns.map(quoteIdent).join(', ');
  // Integers as BigInt: a 64-bit value reaches PostgreSQL exactly, as text.
  const select = sqlite
    .prepare(`SELECT ${columnList} FROM ${quoteIdent(table.name)}`)
    .raw(true)
    .safeIntegers(true);
  const releaseLease = table.name === 'outbox' ? leaseReleaser(table.columns, copyTime) : null;
  let rows = 0;
  let leasedAsPending = 0;
  let batch: unknown[][] = [];
  const insert = async (): Promise<void> => {
    if (batch.length === 0) return;
    const values = batch.flat();
    const tuples = batch.map(
      (_, r) => `(${table.columns.map((__, c) => `$${r * table.columns.length + c + 1}`).join(', ')})`,
    );
    await client.query(
      `INSERT INTO ${quoteIdent(table.name)} (${columnList}) VALUES ${tuples.join(', ')}`,
      values,
    );
    rows += batch.length;
    batch = [];
  };
  try {
    for (const raw of select.iterate() as IterableIterator<unknown[]>) {
      if (releaseLease?.(raw) === true) leasedAsPending++;
      batch.push(
        raw.map((value, i) =>
          toPostgres(value, table.kinds[i] ?? 'other', table.name, table.columns[i] ?? ''),
        ),
      );
      // The iterator stays open across the await: nothing else uses the SQLite connection meanwhile.
      if (batch.length >= perBatch) await insert();
    }
    await insert();
  } catch (err) {
    throw new Error(`copying ${table.name} failed: ${(err as Error).message}`, { cause: err });
  }
  return { rows, leasedAsPending };
}

/**
 * An outbox row leased at copy time belonged to the process that leased it, which is gone: it is
 * copied as pending and due at once, with the interrupted attempt counted, as a reclaimed expired
 * lease is (the message may have gone out before the process stopped).
 */
function leaseReleaser(columns: readonly string[], copyTime: number): (row: unknown[]) => boolean {
  const at = (name: string): number => columns.indexOf(name);
  const [status, attempts, next, until, token] = [
    at('status'),
    at('attempts'),
    at('next_attempt_at'),
    at('lease_until'),
    at('lease_token'),
  ];
  if ([status, attempts, next, until, token].some((i) => i < 0))
    throw new Error(
      'outbox: the columns of a lease (status, attempts, next_attempt_at, lease_until, lease_token) are missing',
    );
  return (row) => {
    if (row[status] !== 'leased') return false;
    row[status] = 'pending';
    row[attempts] = BigInt(row[attempts] as bigint) + 1n;
    row[next] = BigInt(copyTime);
    row[until] = null;
    row[token] = null;
    return true;
  };
}

function toPostgres(value: unknown, kind: ColumnKind, table: string, column: string): unknown {
  if (value === null) return null;
  const bad = (): Error =>
    new Error(`${table}.${column}: cannot store a SQLite ${describe(value)} in a ${kind} column`);
  switch (kind) {
    case 'boolean':
      if (value === 0n || value === 1n) return value === 1n;
      throw bad();
    case 'bytea':
      if (Buffer.isBuffer(value)) return value;
      if (typeof value === 'string') return Buffer.from(value, 'utf8');
      throw bad();
    case 'integer':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      throw bad();
    case 'text':
      if (typeof value === 'string') return value;
      if (typeof value === 'bigint' || typeof value === 'number') return String(value);
      throw bad();
    default:
      return typeof value === 'bigint' ? value.toString() : value;
  }
}

function describe(value: unknown): string {
  if (Buffer.isBuffer(value)) return 'blob';
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'number') return 'real';
  return typeof value;
}

/** The next id an identity hands out is one past the highest copied (1 for an empty table). */
async function moveIdentities(client: pg.PoolClient, table: TablePlan): Promise<void> {
  for (const column of table.identity) {
    const max = await client.query<{ m: string | null }>(
      `SELECT max(${quoteIdent(column)})::text AS m FROM ${quoteIdent(table.name)}`,
    );
    const highest = max.rows[0]?.m ?? null;
    await client.query('SELECT setval(pg_get_serial_sequence($1, $2), $3, $4)', [
      quoteIdent(table.name),
      column,
      highest ?? '1',
      highest !== null,
    ]);
  }
}

/** A table or column name from the schemas, as a quoted SQL identifier. */
function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The summary the command prints: rows per table, the total and the time. */
export function formatSummary(summary: CopySummary): string {
  const width = Math.max(...summary.tables.map((t) => t.table.length), 'total'.length);
  const lines = summary.tables.map((t) => `  ${t.table.padEnd(width)}  ${String(t.rows).padStart(9)}`);
  lines.push(`  ${'total'.padEnd(width)}  ${String(summary.rows).padStart(9)} rows`);
  if (summary.leasedAsPending > 0)
    lines.push(`  ${summary.leasedAsPending} leased outbox row(s) copied as pending (due at once)`);
  lines.push(`  ${summary.tables.length} tables in ${(summary.ms / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}

/**
 * A database URL fit to print: the password (in the user part or a `password` parameter) replaced
 * by `***`. A string that is not a URL is not printed at all.
 */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(the PostgreSQL connection string)';
  }
  if (parsed.password !== '') parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString().replace('%2A%2A%2A', '***');
}

const PG_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const PG_MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

/**
 * Applies the PostgreSQL migrations (src/db/postgres/migrations) the database lacks, each in its
 * own transaction, recorded in `schema_migrations` as SQLite records its own. A stand-in for the
 * shared PostgreSQL opener's migration runner, which this command is to use once it exists.
 */
export async function migratePostgresSchema(pool: pg.Pool, dir = PG_MIGRATIONS_DIR): Promise<number[]> {
  const migrations = readdirSync(dir)
    .flatMap((name) => {
      const match = PG_MIGRATION_FILE.exec(name);
      return match ? [{ version: Number(match[1]), name, sql: readFileSync(join(dir, name), 'utf8') }] : [];
    })
    .sort((a, b) => a.version - b.version);
  const client = await pool.connect();
  // A connection lost meanwhile fails the next query; the event alone must not end the process.
  const ignore = (): void => undefined;
  client.on('error', ignore);
  const applied: number[] = [];
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    for (const m of migrations) {
      await client.query('BEGIN');
      try {
        // Two copies started at once apply each migration once: the second waits, then skips it.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['schema_migrations']);
        const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
        if (done.rowCount === 0) {
          await client.query(m.sql);
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [
              m.version,
              m.name,
              // The migration log records wall time; it is not domain time.
              new Date().getTime(),
            ],
          );
          applied.push(m.version);
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
  } finally {
    client.off('error', ignore);
    client.release();
  }
  return applied;
}
