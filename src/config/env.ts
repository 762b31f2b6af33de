/**
 * The only reader of `process.env` (docs/design.md §5). Validates the environment with zod at start-up;
 * every problem is listed, and secrets can also come from `<NAME>_FILE`.
 */
import { isValidTimeZone } from '../core/delivery/chat-rules.js';
import { LOCALES, type Locale } from '../core/i18n/index.js';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, describeIssues } from './problems.js';
import type { ChatMonitorLimits } from '../chat-monitors/chat-monitor-limits.js';
import { DEFAULT_CHAT_MONITOR_LIMITS } from '../chat-monitors/chat-monitor-limits.js';
import { invalidCidrs } from '../monitors/ssrf/address-policy.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const SECRET_NAMES = ['DISCORD_TOKEN', 'TELEGRAM_BOT_TOKEN'] as const;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const optionalUrl = optionalText.pipe(
  z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
);

const timeZone = z
  .string()
  .refine(isValidTimeZone, { message: 'unknown IANA time zone (e.g. UTC, Asia/Kolkata)' });

const envSchema = z.object({
  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: optionalText.pipe(
    z
      .string()
      .regex(/^\d{5,25}$/, 'must be a snowflake id')
      .optional(),
  ),
  DISCORD_GUILD_ID: optionalText.pipe(
    z
      .string()
      .regex(/^\d{5,25}$/, 'must be a snowflake id')
      .optional(),
  ),
  DISCORD_API_ROOT: optionalUrl,
  TELEGRAM_BOT_TOKEN: optionalText,
  TELEGRAM_API_ROOT: optionalUrl,
  DATABASE_PATH: z.string().min(1).default('./data/incident-bot.db'),
  SERVICES_FILE: z.string().min(1).default('./config/services.yaml'),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  DEFAULT_LOCALE: z.enum(LOCALES).default(LOCALES[0]),
  DEFAULT_TIMEZONE: timeZone.default('UTC'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  // Monitors added from chat.
  CHAT_MONITORS_MAX_PER_CHAT: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(DEFAULT_CHAT_MONITOR_LIMITS.maxPerOwner),
  CHAT_MONITORS_MIN_INTERVAL_S: z.coerce
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(DEFAULT_CHAT_MONITOR_LIMITS.minIntervalMs / 1000),
  CHAT_MONITORS_TIMEOUT_S: z.coerce
    .number()
    .int()
    .min(1)
    .max(60)
    .default(DEFAULT_CHAT_MONITOR_LIMITS.timeoutMs / 1000),
  CHAT_MONITORS_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .default(DEFAULT_CHAT_MONITOR_LIMITS.maxBodyBytes),
  CHAT_MONITORS_MAX_REDIRECTS: z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .default(DEFAULT_CHAT_MONITOR_LIMITS.maxRedirects),
  CHAT_MONITORS_ALLOWED_RANGES: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== ''),
    )
    .refine((ranges) => invalidCidrs(ranges).length === 0, {
      message: 'must be comma-separated CIDR ranges, e.g. 192.168.1.0/24,127.0.0.1/32',
    }),
  CHAT_MONITORS_PUBLIC: z.enum(['true', 'false']).default('false'),
});

export interface AppConfig {
  readonly discord: {
    readonly token: string;
    readonly applicationId: string;
    readonly guildId?: string;
    readonly apiRoot?: string;
  } | null;
  readonly telegram: { readonly token: string; readonly apiRoot?: string } | null;
  readonly databasePath: string;
  readonly servicesFile: string;
  readonly http: { readonly host: string; readonly port: number };
  readonly defaultLocale: Locale;
  readonly defaultTimeZone: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Limits and allowed private ranges for monitors added from chat (absent: the defaults). */
  readonly chatMonitors?: ChatMonitorLimits & { readonly public: boolean };
  /** Every secret value, so loggers and error reporters can redact them wherever they appear. */
  readonly secrets: readonly string[];
}

/**
 * Reads and validates the environment. Throws `ConfigError` listing every problem; nothing else throws.
 */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const resolved: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_NAMES) {
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
  const parsed = envSchema.safeParse(resolved);
  if (!parsed.success) problems.push(...describeIssues(parsed.error));
  // Checked outside the schema so it is reported even when other variables are wrong too.
  if (isSet(resolved['DISCORD_TOKEN']) !== isSet(resolved['DISCORD_APPLICATION_ID'])) {
    problems.push(
      'DISCORD_APPLICATION_ID: DISCORD_TOKEN and DISCORD_APPLICATION_ID enable Discord together: set both or neither',
    );
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError('environment', problems);
  const e = parsed.data;
  return {
    discord:
      e.DISCORD_TOKEN !== undefined && e.DISCORD_APPLICATION_ID !== undefined
        ? {
            token: e.DISCORD_TOKEN,
            applicationId: e.DISCORD_APPLICATION_ID,
            ...(e.DISCORD_GUILD_ID !== undefined ? { guildId: e.DISCORD_GUILD_ID } : {}),
            ...(e.DISCORD_API_ROOT !== undefined ? { apiRoot: e.DISCORD_API_ROOT } : {}),
          }
        : null,
    telegram:
      e.TELEGRAM_BOT_TOKEN !== undefined
        ? {
            token: e.TELEGRAM_BOT_TOKEN,
            ...(e.TELEGRAM_API_ROOT !== undefined ? { apiRoot: e.TELEGRAM_API_ROOT } : {}),
          }
        : null,
    databasePath: e.DATABASE_PATH,
    servicesFile: e.SERVICES_FILE,
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    defaultLocale: e.DEFAULT_LOCALE,
    defaultTimeZone: e.DEFAULT_TIMEZONE,
    logLevel: e.LOG_LEVEL,
    chatMonitors: {
      maxPerOwner: e.CHAT_MONITORS_MAX_PER_CHAT,
      minIntervalMs: e.CHAT_MONITORS_MIN_INTERVAL_S * 1000,
      timeoutMs: e.CHAT_MONITORS_TIMEOUT_S * 1000,
      maxBodyBytes: e.CHAT_MONITORS_MAX_BODY_BYTES,
      maxRedirects: e.CHAT_MONITORS_MAX_REDIRECTS,
      allowedRanges: e.CHAT_MONITORS_ALLOWED_RANGES,
      public: e.CHAT_MONITORS_PUBLIC === 'true',
    },
    secrets: [e.DISCORD_TOKEN, e.TELEGRAM_BOT_TOKEN].filter((s): s is string => s !== undefined),
  };
}

/**
 * Loads `.env` from the working directory when there is one. Variables already set in the
 * environment win (Node's loader does not overwrite them).
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}
