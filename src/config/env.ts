/**
 * The only reader of `process.env` (docs/design.md §5). Validates the environment with zod at start-up;
 * every problem is listed, and secrets can also come from `<NAME>_FILE`.
 *
 * This file holds the general variables and the composer. The variables of a chat platform belong
 * to its module (src/platforms/<name>/), those of a feature to its folder (e.g. chat monitors); each
 * is an {@link EnvSection}, and `readEnv` validates all of them in one pass so every problem of
 * every section is listed together. src/app-config.ts puts the sections of the app together.
 */
import { isValidTimeZone } from '../core/delivery/chat-rules.js';
import { LOCALES, type Locale } from '../core/i18n/index.js';
import type { CommandServiceOptions } from '../core/commands/command-service.js';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { type DatabaseConfig, postgresUrlProblems, postgresUrlSecrets } from './database-url.js';
import { ConfigError, describeIssues } from './problems.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The environment as read: variable name to value. */
export type RawEnv = Readonly<Record<string, string | undefined>>;

/** An optional variable: blank counts as unset. */
export const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
/** An optional http(s) URL (blank: unset). */
export const optionalUrl = optionalText.pipe(
  z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
);

const timeZone = z
  .string()
  .refine(isValidTimeZone, { message: 'unknown IANA time zone (e.g. UTC, Asia/Kolkata)' });

/**
 * Some variables of the environment, owned by one part of the app (a platform module, a feature).
 * `env` validates and converts them (it sees the whole environment and keeps only its keys).
 */
export interface EnvSection<Shape extends z.ZodRawShape = z.ZodRawShape> {
  readonly env: z.ZodObject<Shape>;
  /**
   * Names of its variables that are secrets: each may be given as `<NAME>_FILE` (a file holding
   * the value) instead, and its value is redacted from logs and error reports.
   */
  readonly secrets?: readonly string[];
  /**
   * Problems that span several variables (e.g. two that must be set together), as
   * `NAME: message` lines. Run on the raw values (secrets already read from their files), so
   * they are reported even when other variables are wrong too.
   */
  check?(env: RawEnv): readonly string[];
}

/** The validated values of a section. */
export type EnvOf<S extends EnvSection> = z.output<S['env']>;

/** A PostgreSQL URL (blank: unset, SQLite). Its problems never quote it: it may hold a password. */
const databaseUrl = optionalText.superRefine((url, ctx) => {
  if (url === undefined) return;
  for (const message of postgresUrlProblems(url)) ctx.addIssue({ code: 'custom', message });
});

/**
 * `OPERATORS`: who may add a `/note` to any incident, as `platform:userId` entries separated by
 * commas (`telegram:123,discord:456`). Blank or absent: nobody.
 */
const operators = optionalText.transform((list, ctx) => {
  const entries = (list ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const entry of entries)
    if (!/^[a-z][a-z0-9_-]{0,31}:[^\s:]{1,64}$/u.test(entry))
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not platform:userId (e.g. telegram:123)` });
  return [...new Set(entries)];
});

const generalSection = {
  env: z.object({
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    DATABASE_PATH: z.string().min(1).default('./data/incident-bot.db'),
    SERVICES_FILE: z.string().min(1).default('./config/services.yaml'),
    HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    DEFAULT_LOCALE: z.enum(LOCALES).default(LOCALES[0]),
    DEFAULT_TIMEZONE: timeZone.default('UTC'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    ALERT_GATHER_S: z.coerce.number().min(0).max(60).default(5),
    OPERATORS: operators,
  }),
  // Only the URL's password is redacted (postgresUrlSecrets): host and database stay readable.
  secrets: ['DATABASE_URL'],
} satisfies EnvSection;

/** The variables every deployment has, whatever platforms and features it runs. */
export interface GeneralConfig {
  /** PostgreSQL when `DATABASE_URL` is set, else SQLite at `databasePath`. */
  readonly database: DatabaseConfig;
  /**
   * `DATABASE_PATH`: the SQLite file, and on either backend the folder beside which local files
   * (the push secret) are kept.
   */
  readonly databasePath: string;
  readonly servicesFile: string;
  readonly http: { readonly host: string; readonly port: number };
  readonly defaultLocale: Locale;
  readonly defaultTimeZone: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /**
   * `ALERT_GATHER_S`: how long a new alert (and a recovery) waits for others to the same chat to
   * go out with it in one message. Absent (a config built by hand): the default, 5 s.
   */
  readonly alertGatherMs?: number;
  /**
   * Tests only, never read from the environment: the length of a still-down reminder's pace minute
   * in ms (default one minute), so an end-to-end test reminds within seconds.
   */
  readonly reminderMinuteMs?: number;
  /**
   * Tests only, never read from the environment: the chat commands' per-user and per-chat budgets
   * (default 5 in 10 s per user, 20 a minute per chat), so an end-to-end test may drive many
   * commands through one chat in a row.
   */
  readonly commandRates?: Pick<CommandServiceOptions, 'userRate' | 'chatRate'>;
  /** `OPERATORS`: `platform:userId` of the users who may note any incident. Absent: nobody. */
  readonly operators?: readonly string[];
}

/** The environment after validation: the general config, each section's values, every secret. */
export interface ParsedEnv {
  readonly general: GeneralConfig;
  /** The validated values of one of the sections `readEnv` was given. */
  valuesOf<S extends EnvSection>(section: S): EnvOf<S>;
  /** Every secret value that is set (the database password first, then by section), for redaction. */
  readonly secrets: readonly string[];
}

/**
 * Reads and validates the general variables and every section's. Throws `ConfigError` listing
 * every problem of every section; nothing else throws.
 */
export function readEnv(sections: readonly EnvSection[], env: RawEnv = process.env): ParsedEnv {
  const problems: string[] = [];
  const resolved: Record<string, string | undefined> = { ...env };
  const secretNames = sections.flatMap((section) => section.secrets ?? []);
  for (const name of [...generalSection.secrets, ...secretNames]) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '')
      problems.push(`${name}_FILE: set either ${name} or ${name}_FILE`);
    try {
      resolved[name] = readFileSync(file, 'utf8').trim();
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const general = generalSection.env.safeParse(resolved);
  if (!general.success) problems.push(...describeIssues(general.error));
  const values = new Map<EnvSection, unknown>();
  for (const section of sections) {
    const parsed = section.env.safeParse(resolved);
    if (parsed.success) values.set(section, parsed.data);
    else problems.push(...describeIssues(parsed.error));
    problems.push(...(section.check?.(resolved) ?? []));
  }
  if (problems.length > 0 || !general.success) throw new ConfigError('environment', problems);
  const e = general.data;
  const secrets = [
    ...(e.DATABASE_URL === undefined ? [] : postgresUrlSecrets(e.DATABASE_URL)),
    ...secretNames
      .map((name) => resolved[name]?.trim())
      .filter((s): s is string => s !== undefined && s !== ''),
  ];
  return {
    general: {
      database:
        e.DATABASE_URL === undefined
          ? { kind: 'sqlite', path: e.DATABASE_PATH }
          : { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
      databasePath: e.DATABASE_PATH,
      servicesFile: e.SERVICES_FILE,
      http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
      defaultLocale: e.DEFAULT_LOCALE,
      defaultTimeZone: e.DEFAULT_TIMEZONE,
      logLevel: e.LOG_LEVEL,
      alertGatherMs: Math.round(e.ALERT_GATHER_S * 1000),
      operators: e.OPERATORS,
    },
    valuesOf: <S extends EnvSection>(section: S): EnvOf<S> => {
      if (!values.has(section)) throw new Error('readEnv was not given this section');
      return values.get(section) as EnvOf<S>;
    },
    secrets,
  };
}

/** True when a raw variable is set to something other than blanks. */
export function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/**
 * Loads `.env` from the working directory when there is one. Variables already set in the
 * environment win (Node's loader does not overwrite them).
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
