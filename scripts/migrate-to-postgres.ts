/**
 * `npm run db:migrate-to-postgres [-- --from <sqlite file>] [--to <postgres url>] [--replace]`:
 * copies the bot's SQLite database into PostgreSQL (docs/postgres.md "Moving from SQLite"). The
 * source defaults to DATABASE_PATH, the target to DATABASE_URL (or the file DATABASE_URL_FILE).
 * Exit code 0 after a verified copy, 1 on any failure (the target is then left as it was).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  copySqliteToPostgres,
  formatSummary,
  migratePostgresSchema,
  redactDatabaseUrl,
} from '../src/db/postgres/copy-from-sqlite.js';

const USAGE =
  'usage: npm run db:migrate-to-postgres -- [--from <sqlite file>] [--to <postgres url>] [--replace]\n' +
  '  --from     the SQLite database (default: DATABASE_PATH, else ./data/incident-bot.db)\n' +
  '  --to       the PostgreSQL database (default: DATABASE_URL, else the contents of DATABASE_URL_FILE)\n' +
  '  --replace  empty the PostgreSQL tables first when they hold data (default: refuse)\n';

/** BIGINT (oid 20) read as a Number: every BIGINT of the schema is an id, a count or epoch ms. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

function fail(message: string): never {
  process.stderr.write(`db:migrate-to-postgres: ${message}\n`);
  process.exit(1);
}

function target(arg: string | undefined): string {
  if (arg !== undefined) return arg;
  const url = process.env.DATABASE_URL;
  const file = process.env.DATABASE_URL_FILE;
  const set = (v: string | undefined): v is string => v !== undefined && v !== '';
  if (set(url) && set(file)) fail('DATABASE_URL and DATABASE_URL_FILE are both set: set one');
  if (set(url)) return url;
  if (set(file)) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      fail(`cannot read DATABASE_URL_FILE ${file}: ${(err as Error).message}`);
    }
  }
  fail(`no PostgreSQL database given: set DATABASE_URL or DATABASE_URL_FILE, or pass --to\n${USAGE}`);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        replace: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const from = args.from ?? (process.env.DATABASE_PATH || './data/incident-bot.db');
  const url = target(args.to);
  const shown = redactDatabaseUrl(url);
  scrub = scrubber(url, shown);

  process.stdout.write(`Copying ${from} to ${shown}\n`);
  const pool = new pg.Pool({ connectionString: url, types, max: 2 });
  // An idle client's connection error (the server gone) would otherwise end the process unreported.
  pool.on('error', () => undefined);
  try {
    await migratePostgresSchema(pool);
    const summary = await copySqliteToPostgres({ from, pool, replace: args.replace });
    process.stdout.write(`Copied, every table's row count verified:\n${formatSummary(summary)}`);
  } catch (err) {
    process.exitCode = 1;
    process.stderr.write(`db:migrate-to-postgres: ${scrub((err as Error).message ?? String(err))}\n`);
  } finally {
    await pool.end();
  }
}

/** Whatever an error says, neither the URL nor its password is printed. */
let scrub = (text: string): string => text;

function scrubber(url: string, shown: string): (text: string) => string {
  let password = '';
  try {
    const u = new URL(url);
    password = decodeURIComponent(u.password) || (u.searchParams.get('password') ?? '');
  } catch {
    // Not a URL: the string itself is what is hidden.
  }
  return (text) => {
    const hidden = text.replaceAll(url, shown);
    return password === '' ? hidden : hidden.replaceAll(password, '***');
  };
}

main().catch((err: unknown) => fail(scrub((err as Error).stack ?? String(err))));
