/**
 * The webhook platform's own configuration: `WEBHOOKS_FILE` (a YAML list of endpoints) or the
 * one-endpoint shortcut `WEBHOOK_URL` + `WEBHOOK_SECRET` (or `WEBHOOK_SECRET_FILE`, read by the
 * env loader) + `WEBHOOK_FORMAT`. Every problem is listed at once; secrets never appear in a problem.
 *
 * Endpoints are the operator's, so they are trusted targets: no SSRF guard, any host, loopback
 * included. Only `http:` and `https:` URLs are accepted.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { isValidTimeZone } from '../../core/delivery/chat-rules.js';
import { durationSchema } from '../../core/duration.js';
import { LOCALES, type Locale } from '../../core/i18n/index.js';
import { SEVERITIES, type Severity } from '../../core/model.js';
import { optionalText } from '../../config/env.js';
import { describeIssues, formatPath } from '../../config/problems.js';

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** One request's time limit unless the endpoint sets `timeout`. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** Under the outbox worker's own 20 s limit per delivery, so the endpoint's answer is what counts. */
export const MAX_WEBHOOK_TIMEOUT_MS = 15_000;

/** The endpoint name of the `WEBHOOK_URL` shortcut. */
export const SHORTCUT_ENDPOINT_NAME = 'default';

/** One configured endpoint: a "chat" of platform `webhook` whose chat id is `name`. */
export interface WebhookEndpoint {
  readonly name: string;
  readonly url: string;
  /** HMAC key of the signature; null: requests are not signed (allowed for `slack` only). */
  readonly secret: string | null;
  readonly format: WebhookFormat;
  /** Service ids, or `['*']` for every service. */
  readonly services: readonly string[];
  readonly minSeverity: Severity;
  readonly locale: Locale;
  readonly timeZone: string;
  /** One request's time limit, connecting included. */
  readonly timeoutMs: number;
}

export interface WebhookConfig {
  readonly endpoints: readonly WebhookEndpoint[];
}

/** What the env section yields: the config (null when no webhook is configured), problems, secrets. */
export interface WebhookConfigResult {
  readonly config: WebhookConfig | null;
  readonly problems: readonly string[];
  /** Secrets and secret URL parts, for the log's redaction. */
  readonly secrets: readonly string[];
}

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lowercase letters, digits, - or _ (max 63)');
const webUrl = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), {
    message: 'must be an http(s) URL',
  })
  .refine((v) => !URL.canParse(v) || (new URL(v).username === '' && new URL(v).password === ''), {
    message: 'must not carry credentials (use the secret for signing)',
  });
const serviceList = z
  .union([z.literal('*'), z.array(z.string().trim().min(1)).min(1, 'list at least one service, or "*"')])
  .default('*')
  .transform((v) => (v === '*' ? ['*'] : [...new Set(v)]))
  .refine((v) => v.length === 1 || !v.includes('*'), { message: '"*" already means every service' });

const endpointSchema = z
  .strictObject({
    name,
    url: webUrl,
    secret: z.string().min(1).optional(),
    secretFile: z.string().min(1).optional(),
    format: z.enum(WEBHOOK_FORMATS).default('json'),
    services: serviceList,
    minSeverity: z.enum(SEVERITIES).default('minor'),
    locale: z.enum(LOCALES).default(LOCALES[0]),
    timeZone: z
      .string()
      .refine(isValidTimeZone, { message: 'unknown IANA time zone (e.g. UTC, Asia/Kolkata)' })
      .default('UTC'),
    timeout: durationSchema
      .refine((ms) => ms >= 100 && ms <= MAX_WEBHOOK_TIMEOUT_MS, {
        message: `must be between 100ms and ${MAX_WEBHOOK_TIMEOUT_MS / 1000}s`,
      })
      .optional(),
  })
  .refine((e) => e.secret === undefined || e.secretFile === undefined, {
    message: 'set either secret or secretFile',
    path: ['secretFile'],
  });

const fileSchema = z.strictObject({
  webhooks: z.array(z.unknown()).default([]),
});

/**
 * The module's variables (README, Configuration). `WEBHOOK_URL` and `WEBHOOK_SECRET` are secrets
 * (a Slack or Mattermost hook URL is its own credential): each may come from `<NAME>_FILE`, and
 * both are redacted from logs. The file and the endpoints are checked by {@link readWebhookConfig}.
 */
export const WEBHOOK_ENV = z.object({
  WEBHOOKS_FILE: optionalText,
  WEBHOOK_URL: optionalText,
  WEBHOOK_SECRET: optionalText,
  WEBHOOK_FORMAT: optionalText,
});
export const WEBHOOK_SECRET_NAMES = ['WEBHOOK_URL', 'WEBHOOK_SECRET'] as const;

type ReadFile = (path: string) => string;
const readUtf8: ReadFile = (path) => readFileSync(path, 'utf8');

/**
 * Reads the webhook variables (secrets already read from their `_FILE`s) and the webhooks file.
 * Never throws: problems are returned, each as `WHERE: what is wrong`, with no secret in them.
 */
export function readWebhookConfig(
  env: Readonly<Record<string, string | undefined>>,
  readFile: ReadFile = readUtf8,
): WebhookConfigResult {
  const value = (key: keyof z.output<typeof WEBHOOK_ENV>): string | undefined => {
    const v = env[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const e = {
    WEBHOOKS_FILE: value('WEBHOOKS_FILE'),
    WEBHOOK_URL: value('WEBHOOK_URL'),
    WEBHOOK_SECRET: value('WEBHOOK_SECRET'),
    WEBHOOK_FORMAT: value('WEBHOOK_FORMAT'),
  };
  const set = (v: string | undefined): v is string => v !== undefined;
  const problems: string[] = [];
  if (set(e.WEBHOOKS_FILE) && set(e.WEBHOOK_URL))
    problems.push('WEBHOOK_URL: set either WEBHOOKS_FILE (any number of endpoints) or WEBHOOK_URL (one)');
  if (!set(e.WEBHOOK_URL))
    for (const key of ['WEBHOOK_SECRET', 'WEBHOOK_FORMAT'] as const)
      if (set(e[key])) problems.push(`${key}: only used with WEBHOOK_URL, which is not set`);

  let raw: { readonly where: (path: readonly PropertyKey[]) => string; readonly entries: unknown[] } | null =
    null;
  let fileDir = '';
  if (set(e.WEBHOOKS_FILE)) {
    const loaded = loadFile(e.WEBHOOKS_FILE, readFile, problems);
    if (loaded !== null) raw = loaded;
    fileDir = e.WEBHOOKS_FILE;
  } else if (set(e.WEBHOOK_URL)) {
    const entry: Record<string, unknown> = { name: SHORTCUT_ENDPOINT_NAME, url: e.WEBHOOK_URL };
    if (set(e.WEBHOOK_SECRET)) entry['secret'] = e.WEBHOOK_SECRET;
    if (set(e.WEBHOOK_FORMAT)) entry['format'] = e.WEBHOOK_FORMAT;
    const envName: Readonly<Record<string, string>> = {
      url: 'WEBHOOK_URL',
      secret: 'WEBHOOK_SECRET',
      format: 'WEBHOOK_FORMAT',
    };
    raw = {
      entries: [entry],
      where: (path) => envName[String(path[1])] ?? `WEBHOOK_URL.${formatPath(path.slice(1))}`,
    };
  }
  if (raw === null) return { config: null, problems, secrets: [] };

  const endpoints: WebhookEndpoint[] = [];
  const secrets: string[] = [];
  const seen = new Set<string>();
  raw.entries.forEach((entry, i) => {
    // Names are checked before the rest, so a duplicate is reported even when its entry has other problems.
    const entryName = (entry as { name?: unknown } | null)?.name;
    if (typeof entryName === 'string') {
      if (seen.has(entryName))
        problems.push(`${raw.where([i, 'name'])}: "${entryName}" is used by another endpoint`);
      seen.add(entryName);
    }
    const parsed = endpointSchema.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${raw.where([i, ...issue.path])}: ${issueMessage(issue)}`);
      return;
    }
    const p = parsed.data;
    const where = (key: string) => raw.where([i, key]);
    let secret: string | null = p.secret ?? null;
    if (p.secretFile !== undefined) {
      try {
        secret = readFile(resolveNear(p.secretFile, fileDir)).trim();
        if (secret === '') problems.push(`${where('secretFile')}: ${p.secretFile} is empty`);
      } catch (err) {
        problems.push(`${where('secretFile')}: cannot read ${p.secretFile} (${errorCode(err)})`);
      }
    }
    if (secret === null && p.format === 'json')
      problems.push(
        `${where('secret')}: a json endpoint needs a secret or secretFile (receivers verify the signature with it)`,
      );
    if (secret !== null) secrets.push(secret);
    secrets.push(...urlSecrets(p.url));
    endpoints.push({
      name: p.name,
      url: p.url,
      secret,
      format: p.format,
      services: p.services,
      minSeverity: p.minSeverity,
      locale: p.locale,
      timeZone: p.timeZone,
      timeoutMs: p.timeout ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    });
  });
  return { config: problems.length === 0 ? { endpoints } : null, problems, secrets };
}

function loadFile(
  path: string,
  readFile: ReadFile,
  problems: string[],
): { readonly where: (path: readonly PropertyKey[]) => string; readonly entries: unknown[] } | null {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    problems.push(`WEBHOOKS_FILE: cannot read ${path} (${errorCode(err)})`);
    return null;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const at = lineCounter.linePos(error.pos[0]);
      problems.push(`${path}:${at.line}:${at.col}: ${error.message.split('\n')[0] ?? 'invalid YAML'}`);
    }
    return null;
  }
  const parsed = fileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    problems.push(...describeIssues(parsed.error).map((p) => `${path}: ${p}`));
    return null;
  }
  return {
    entries: parsed.data.webhooks,
    where: (issuePath) => `${path}: ${formatPath(['webhooks', ...issuePath])}`,
  };
}

/** A `secretFile` in the webhooks file is relative to that file's folder (as people write it next to it). */
function resolveNear(secretFile: string, webhooksFile: string): string {
  return webhooksFile === '' ? secretFile : resolve(dirname(webhooksFile), secretFile);
}

function issueMessage(issue: z.core.$ZodIssue): string {
  return issue.code === 'unrecognized_keys'
    ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`
    : issue.message;
}

/**
 * Parts of an endpoint URL that may be secret: Slack's and Mattermost's incoming-webhook URLs
 * carry their token in the path, others in the query. Redacted from logs wherever they appear.
 */
export function urlSecrets(url: string): string[] {
  if (!URL.canParse(url)) return [];
  const u = new URL(url);
  const out = [url, u.href];
  if (u.pathname.length > 1) out.push(u.pathname);
  if (u.search !== '') out.push(u.search.slice(1));
  return out;
}

/** Every endpoint's secret and the secret parts of its URL, for the log's redaction. */
export function webhookSecretValues(config: WebhookConfig): string[] {
  return config.endpoints.flatMap((e) => [...(e.secret === null ? [] : [e.secret]), ...urlSecrets(e.url)]);
}

/** Scheme, host and port only: what logs and errors may say about an endpoint's URL. */
export function urlOrigin(url: string): string {
  return URL.canParse(url) ? new URL(url).origin : '(invalid URL)';
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}
