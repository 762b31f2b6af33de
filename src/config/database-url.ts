/**
 * The database the bot uses: SQLite at `DATABASE_PATH` (the default), or PostgreSQL when
 * `DATABASE_URL` is set. This file reads a PostgreSQL URL the way node-postgres does
 * (pg-connection-string) to validate it, to name the server in logs and errors, and to find the
 * password, which is a secret: no message made here contains it.
 */
import { readFileSync } from 'node:fs';

/** Which backend stores the bot's data, and how to reach it. */
export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'postgres';
      /** The connection URL, password included: never log it (use `describeDatabase`). */
      readonly url: string;
      /** Connections the pool opens at most. */
      readonly poolSize: number;
    };

/** A PostgreSQL URL without its password: what logs and errors may say about it. */
export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /**
   * How node-postgres will use TLS: `off`, `verify-full` (certificate and host name checked),
   * `no-verify` (encrypted, not verified) or, with `uselibpqcompat=true`, the libpq `sslmode` named.
   */
  readonly tls: string;
}

const SCHEMES = new Set(['postgres:', 'postgresql:']);
const SSL_MODES = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);
const TLS_FILES = ['sslrootcert', 'sslcert', 'sslkey'] as const;
const DEFAULT_PORT = 5432;

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * What is wrong with a `DATABASE_URL`, one message per problem (empty: usable). The messages never
 * quote the URL: it may hold a password. The TLS files it names are read, as node-postgres will.
 */
export function postgresUrlProblems(url: string): string[] {
  const u = parseUrl(url);
  if (u === null || !SCHEMES.has(u.protocol)) return ['must be a postgres:// or postgresql:// URL'];
  const problems: string[] = [];
  const params = u.searchParams;
  if (u.hostname === '' && (params.get('host') ?? '') === '') problems.push('names no host');
  if (u.port !== '' && Number(u.port) === 0) problems.push('port must be 1-65535');
  const sslmode = params.get('sslmode');
  if (sslmode !== null && !SSL_MODES.has(sslmode))
    problems.push(`unknown sslmode "${sslmode}" (one of ${[...SSL_MODES].join(', ')})`);
  for (const name of TLS_FILES) {
    const file = params.get(name);
    if (file === null) continue;
    try {
      readFileSync(file);
    } catch (err) {
      problems.push(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return problems;
}

/** How node-postgres 8 uses TLS for these URL parameters (pg-connection-string's rules). */
function tlsMode(params: URLSearchParams): string {
  const sslmode = params.get('sslmode');
  if (sslmode === 'disable') return 'off';
  const ssl = params.get('ssl');
  const tlsFile = TLS_FILES.some((name) => params.has(name));
  if (sslmode === null && !tlsFile && ssl !== 'true' && ssl !== '1') return 'off';
  if (sslmode === 'no-verify') return 'no-verify';
  // Without libpq compatibility, prefer, require and verify-ca verify like verify-full.
  if (params.get('uselibpqcompat') === 'true' && sslmode !== null) return sslmode;
  return 'verify-full';
}

/** Host, port, database, user and TLS mode of a PostgreSQL URL (null: not one). No password. */
export function postgresTarget(url: string): PostgresTarget | null {
  const u = parseUrl(url);
  if (u === null || !SCHEMES.has(u.protocol)) return null;
  const params = u.searchParams;
  const user = params.get('user') ?? decoded(u.username);
  const path = decoded(u.pathname.slice(1));
  return {
    host: params.get('host') ?? decoded(u.hostname.replace(/^\[(.+)\]$/, '$1')),
    port: Number(params.get('port') ?? (u.port === '' ? DEFAULT_PORT : u.port)),
    // node-postgres connects to the database named like the user when the URL names none.
    database: path === '' ? user : path,
    user,
    tls: tlsMode(params),
  };
}

/** `host:port/database as user (TLS mode)`: the server, for a log line or an error. */
export function describePostgresTarget(t: PostgresTarget): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${host}:${t.port}/${t.database} as ${t.user === '' ? 'the default user' : t.user} (TLS ${t.tls})`;
}

/**
 * The forms in which a URL's password may appear in a text: as given in the URL and decoded, and
 * the `user:password@` part (which makes even a short password long enough to redact).
 */
export function postgresUrlSecrets(url: string): string[] {
  const u = parseUrl(url);
  if (u === null) return [];
  const secrets = [u.password, decoded(u.password), `${u.username}:${u.password}@`];
  const fromQuery = u.searchParams.get('password');
  if (fromQuery !== null) secrets.push(fromQuery, encodeURIComponent(fromQuery));
  return [...new Set(secrets.filter((s) => s !== '' && s !== `${u.username}:@`))];
}

/** The start-up line naming the backend: `database: SQLite at <path>` or `database: PostgreSQL at …`. */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.kind === 'sqlite') return `database: SQLite at ${database.path}`;
  const target = postgresTarget(database.url);
  return `database: PostgreSQL at ${target === null ? '(an invalid URL)' : describePostgresTarget(target)}`;
}
