/**
 * The replay scenario format (docs/replay.md): which services file to run, which chats watch, how
 * each loopback stand-in behaves over time, when each service is in trouble (the reference for
 * false alerts) and who reports what. `loadScenario` validates a file and lists every problem in it
 * with its path, as the services file does (src/config/services-file.ts), never just the first.
 */
import { isValidTimeZone } from '../core/delivery/chat-rules.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseServices, type ServicesConfig } from '../config/services-file.js';
import { ConfigError, describeIssues } from '../config/problems.js';
import { WINDOW_MS } from '../core/crowd/crowd-window.js';
import { durationSchema } from '../core/duration.js';
import type { PlatformName } from '../core/delivery/ports.js';
import { LOCALES } from '../core/i18n/index.js';
import { PLATFORM_NAMES } from '../platforms/registry.js';
import { GOOD_CERT } from './replay-tls.js';

/** The shipped scenarios (docs/replay.md lists them). */
export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../scenarios');
/** The founding outage, WhatsApp + Instagram + Messenger on 19 March 2021: `npm run demo`. */
export const FOUNDING_SCENARIO = join(SCENARIO_DIR, '2021-03-19-meta.json');

const isoTime = z
  .string({ error: 'must be a time such as "2021-10-04T15:39:00Z"' })
  .refine((text) => z.iso.datetime({ offset: true }).safeParse(text).success, {
    message: 'must be an ISO 8601 time with a zone, such as "2021-10-04T15:39:00Z"',
  })
  .transform((text) => Date.parse(text));
const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lowercase letters, digits, - or _ (max 63)');

/** How an HTTP stand-in answers: 200, a given status (and body), no answer at all, or a reset. */
const httpState = z.union([
  z.enum(['ok', 'stall', 'reset']),
  z.strictObject({ status: z.int().min(100).max(599), body: z.string().max(10_000).optional() }),
]);
/** How the DNS stand-in answers a name: its address, SERVFAIL, NXDOMAIN, or nothing (timeout). */
const dnsState = z.enum(['ok', 'servfail', 'nxdomain', 'timeout']);
/** How a TLS stand-in greets a client. */
const tlsState = z.enum(['ok', 'bad-certificate', 'handshake-failure', 'reset', 'stall']);
/** What a Statuspage-style `summary.json` says. */
const statusState = z.strictObject({
  indicator: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']),
  description: z.string().max(500).optional(),
  components: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(200),
        status: z.enum([
          'operational',
          'degraded_performance',
          'partial_outage',
          'major_outage',
          'under_maintenance',
        ]),
      }),
    )
    .default([]),
  incidents: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(500),
        status: z.enum(['investigating', 'identified', 'monitoring', 'resolved', 'postmortem']),
        impact: z.enum(['none', 'minor', 'major', 'critical']),
        update: z.string().max(2000).optional(),
      }),
    )
    .default([]),
});

const step = <T extends z.ZodType>(state: T) => z.strictObject({ at: isoTime, state });
const standInSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('http'),
    initial: httpState.default('ok'),
    timeline: z.array(step(httpState)).default([]),
  }),
  z.strictObject({
    type: z.literal('dns'),
    name: z.string().regex(/^[a-z0-9.-]+$/i, 'must be a host name such as facebook.com'),
    address: z.ipv4().default('127.0.0.1'),
    initial: dnsState.default('ok'),
    timeline: z.array(step(dnsState)).default([]),
  }),
  z.strictObject({
    type: z.literal('tls'),
    initial: tlsState.default('ok'),
    timeline: z.array(step(tlsState)).default([]),
  }),
  z.strictObject({
    type: z.literal('statuspage'),
    initial: statusState.default({ indicator: 'none', components: [], incidents: [] }),
    timeline: z.array(step(statusState)).default([]),
  }),
]);

const chatSchema = z.strictObject({
  id,
  // The listed platforms (src/platforms/registry.ts), whatever they are.
  platform: z.string().refine((name) => (PLATFORM_NAMES as readonly string[]).includes(name), {
    message: `unknown platform (one of ${PLATFORM_NAMES.join(', ')})`,
  }),
  locale: z.enum(LOCALES).default(LOCALES[0]),
  timeZone: z
    .string()
    .refine(isValidTimeZone, { message: 'unknown time zone (use an IANA name such as Asia/Dhaka)' }),
  /** Service ids the chat follows; `*` for all; none: the chat only reports. */
  subscribe: z.array(z.string()).default([]),
});

const reportSchema = z.strictObject({
  service: z.string(),
  chats: z.array(z.string()).min(1),
  from: isoTime,
  window: durationSchema.default(WINDOW_MS),
  /** People reporting in each window, one number a window, windows back to back from `from`. */
  reporters: z.array(z.int().min(0).max(1000)).min(1),
  /** What they write, used in turn. */
  texts: z.array(z.string().trim().min(1).max(200)).min(1),
});

const windowSchema = z.strictObject({ from: isoTime, to: isoTime });

const scenarioSchema = z.strictObject({
  title: z.string().min(1).max(200),
  description: z.string().max(5000).optional(),
  /** Where the time line comes from (post-mortems, news). */
  sources: z.array(z.url()).default([]),
  note: z.string().max(2000).optional(),
  from: isoTime,
  to: isoTime,
  /** A services file, relative to the scenario, or the file itself inline. */
  services: z.union(
    [z.string().min(1), z.strictObject({ yaml: z.union([z.string(), z.array(z.string())]) })],
    { error: 'must be a services file path (relative to the scenario) or { "yaml": "…" }' },
  ),
  /** Display names of service groups (`group:` in the services file). */
  groups: z.record(z.string(), z.string().min(1).max(100)).default({}),
  chats: z.array(chatSchema).min(1, 'needs at least one chat'),
  standIns: z.record(z.string(), standInSchema).default({}),
  trouble: z.record(z.string(), z.array(windowSchema)).default({}),
  reports: z.array(reportSchema).default([]),
});

type ScenarioFile = z.output<typeof scenarioSchema>;
export type HttpState = z.output<typeof httpState>;
export type DnsState = z.output<typeof dnsState>;
export type TlsState = z.output<typeof tlsState>;
export type StatusState = z.output<typeof statusState>;
export type StandIn = z.output<typeof standInSchema>;
export type ScenarioChat = z.output<typeof chatSchema>;
export interface TroubleWindow {
  readonly from: number;
  readonly to: number;
}

/** A validated scenario, its services file text still holding the `{{…}}` placeholders. */
export interface Scenario extends Omit<ScenarioFile, 'services'> {
  /** Where it was read from, for messages. */
  readonly source: string;
  /** The services file text. */
  readonly servicesYaml: string;
  /** Where the services file came from (the scenario itself when inline). */
  readonly servicesSource: string;
}

/** Values the placeholders of the services file stand for, once the stand-ins listen. */
export interface StandInAddresses {
  readonly httpBase: string;
  readonly httpPort: number;
  readonly dnsResolver: string;
  readonly tlsPorts: Readonly<Record<string, number>>;
  readonly caPath: string;
}

const PLACEHOLDER = /(['"]?)\{\{\s*([a-z]+)(?::([^}\s]+))?\s*\}\}\1/g;

/**
 * The services file with its placeholders filled in: `{{url:ID}}` (an HTTP or status-page
 * stand-in), `{{port:ID}}` (a TLS stand-in's port; an HTTP one's is the shared server's),
 * `{{host}}`, `{{resolver}}` (the DNS stand-in), `{{ca}}` (the trust file for `ok` TLS stand-ins),
 * `{{control}}` (a control target that always answers 204). Unknown ones are listed in `problems`.
 * A placeholder may sit in quotes, so the file stays plain YAML before it is filled in: the quotes
 * are kept, except around `{{port:…}}`, which becomes a bare number.
 */
export function fillPlaceholders(
  yaml: string,
  standIns: Readonly<Record<string, StandIn>>,
  at: StandInAddresses,
  problems: string[] = [],
): string {
  return yaml.replace(PLACEHOLDER, (whole, quote: string, name: string, ref: string | undefined) => {
    const value = fill(name, ref, standIns, at, (why) => problems.push(`services: ${whole}: ${why}`));
    if (value === null) return whole;
    return name === 'port' ? value : `${quote}${value}${quote}`;
  });
}

/** The value of one placeholder, or null (and `report` told why) when there is none. */
function fill(
  name: string,
  ref: string | undefined,
  standIns: Readonly<Record<string, StandIn>>,
  at: StandInAddresses,
  report: (why: string) => void,
): string | null {
  const standIn = ref === undefined ? undefined : standIns[ref];
  const bad = (why: string): null => {
    report(why);
    return null;
  };
  switch (name) {
    case 'host':
      return '127.0.0.1';
    case 'resolver':
      return at.dnsResolver;
    case 'ca':
      return at.caPath;
    case 'control':
      return `${at.httpBase}/generate_204`;
    case 'url':
      if (ref === undefined) return bad('name a stand-in: {{url:ID}}');
      if (standIn === undefined) return bad(`unknown stand-in "${ref}"`);
      if (standIn.type === 'http') return `${at.httpBase}/${ref}/`;
      if (standIn.type === 'statuspage') return `${at.httpBase}/${ref}/api/v2/summary.json`;
      return bad(`stand-in "${ref}" is ${standIn.type}: {{url:…}} takes an http or statuspage one`);
    case 'port':
      if (ref === undefined) return bad('name a stand-in: {{port:ID}}');
      if (standIn === undefined) return bad(`unknown stand-in "${ref}"`);
      if (standIn.type === 'tls') return String(at.tlsPorts[ref] ?? 0);
      if (standIn.type === 'http') return String(at.httpPort);
      return bad(`stand-in "${ref}" is ${standIn.type}: {{port:…}} takes a tls or http one`);
    default:
      return bad('unknown placeholder (known: url, port, host, resolver, ca, control)');
  }
}

/** Reads and validates a scenario file; throws `ConfigError` listing every problem. */
export function loadScenario(path = FOUNDING_SCENARIO): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [
      `cannot read the scenario (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  return parseScenario(text, path);
}

/** Validates scenario text; `source` is its path (a relative services file is found beside it). */
export function parseScenario(text: string, source: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(source, [`not JSON: ${(err as Error).message}`]);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(source, ['must be a JSON object with title, from, to, services and chats']);
  }
  const { file, sound, problems } = parseSections(json as Record<string, unknown>);
  let servicesYaml = '';
  let servicesSource = source;
  if (typeof file.services === 'string') {
    servicesSource = resolve(dirname(source), file.services);
    try {
      servicesYaml = readFileSync(servicesSource, 'utf8');
    } catch (err) {
      problems.push(
        `services: cannot read "${file.services}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  } else if (file.services !== undefined) {
    servicesYaml =
      typeof file.services.yaml === 'string' ? file.services.yaml : file.services.yaml.join('\n');
  }
  const { services: _services, ...rest } = file;
  const scenario: Scenario = { ...rest, source, servicesYaml, servicesSource };
  const config = servicesYaml === '' || !sound.has('standIns') ? null : checkServices(scenario, problems);
  checkStandIns(scenario, problems);
  checkTimes(scenario, sound, problems);
  if (config !== null) checkReferences(scenario, config, sound, problems);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return scenario;
}

/**
 * Checks each top-level key on its own, so one broken section does not hide the problems of the
 * others: `sound` names the keys that passed, and the later checks use only those (a broken
 * section stands in as empty). Unknown keys are problems too.
 */
function parseSections(raw: Record<string, unknown>): {
  file: ScenarioFile & { services?: ScenarioFile['services'] };
  sound: Set<string>;
  problems: string[];
} {
  const shape = scenarioSchema.shape;
  const problems: string[] = [];
  const unknown = Object.keys(raw).filter((key) => !Object.hasOwn(shape, key));
  if (unknown.length > 0) problems.push(`unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')}`);
  const sound = new Set<string>();
  const file: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const parsed = (schema as z.ZodType).safeParse(raw[key]);
    if (parsed.success) {
      sound.add(key);
      file[key] = parsed.data;
    } else {
      problems.push(...describeIssues(parsed.error, [key]));
      file[key] = SECTION_FALLBACK[key];
    }
  }
  return { file: file as ScenarioFile, sound, problems };
}

/** What a broken section counts as for the checks that still run. */
const SECTION_FALLBACK: Readonly<Record<string, unknown>> = {
  title: '',
  sources: [],
  from: 0,
  to: 0,
  groups: {},
  chats: [],
  standIns: {},
  trouble: {},
  reports: [],
};

/**
 * Parses the services file as the replay will (placeholders filled with stand-in values), so its
 * own problems are listed with the scenario's; returns null when it has any.
 */
function checkServices(scenario: Scenario, problems: string[]): ServicesConfig | null {
  const dir = mkdtempSync(join(tmpdir(), 'replay-check-'));
  try {
    const caPath = join(dir, 'ca.pem');
    writeFileSync(caPath, GOOD_CERT);
    const tlsPorts = Object.fromEntries(Object.keys(scenario.standIns).map((key) => [key, 443]));
    const before = problems.length;
    const yaml = fillPlaceholders(
      scenario.servicesYaml,
      scenario.standIns,
      { httpBase: 'http://127.0.0.1:80', httpPort: 80, dnsResolver: '127.0.0.1:53', tlsPorts, caPath },
      problems,
    );
    if (problems.length > before) return null;
    const config = parseServices(yaml, scenario.servicesSource);
    config.monitors.forEach((monitor) => {
      if (monitor.schedule.kind === 'cron') {
        problems.push(`services: monitor "${monitor.id}": a replay runs "every" schedules, not cron`);
      }
    });
    return config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map((problem) => `services (${err.source}): ${problem}`));
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkTimes(scenario: Scenario, sound: ReadonlySet<string>, problems: string[]): void {
  const { from, to } = scenario;
  const span = sound.has('from') && sound.has('to') && to > from;
  const iso = (at: number): string => new Date(at).toISOString().replace('.000Z', 'Z');
  const inside = (path: string, at: number): void => {
    if (span && (at < from || at > to))
      problems.push(`${path}: ${iso(at)} is outside the replay (${iso(from)} to ${iso(to)})`);
  };
  if (sound.has('from') && sound.has('to') && to <= from)
    problems.push(`to: must be after from (${iso(from)})`);
  for (const [key, standIn] of Object.entries(scenario.standIns)) {
    standIn.timeline.forEach((entry, i) => {
      const path = `standIns.${key}.timeline[${i}].at`;
      inside(path, entry.at);
      const previous = standIn.timeline[i - 1];
      if (previous !== undefined && entry.at <= previous.at) {
        problems.push(
          `${path}: must be after the entry before it (${iso(previous.at)}): keep the time line in order`,
        );
      }
    });
  }
  for (const [serviceId, windows] of Object.entries(scenario.trouble)) {
    windows.forEach((window, i) => {
      const path = `trouble.${serviceId}[${i}]`;
      inside(`${path}.from`, window.from);
      inside(`${path}.to`, window.to);
      if (window.to <= window.from) problems.push(`${path}.to: must be after from`);
      const previous = windows[i - 1];
      if (previous !== undefined && window.from < previous.to) {
        problems.push(
          `${path}: overlaps or comes before trouble.${serviceId}[${i - 1}]: windows go in order, apart`,
        );
      }
    });
  }
  scenario.reports.forEach((report, i) => {
    inside(`reports[${i}].from`, report.from);
    const end = report.from + report.window * report.reporters.length;
    if (span && end > to)
      problems.push(`reports[${i}]: its last window ends at ${iso(end)}, after the replay (${iso(to)})`);
  });
  // Two series of the same service from the same chat must not overlap: who reported when would be ambiguous.
  scenario.reports.forEach((a, i) => {
    scenario.reports.slice(0, i).forEach((b, j) => {
      const shared = a.chats.filter((chat) => b.chats.includes(chat));
      const aEnd = a.from + a.window * a.reporters.length;
      const bEnd = b.from + b.window * b.reporters.length;
      if (a.service === b.service && shared.length > 0 && a.from < bEnd && b.from < aEnd) {
        problems.push(`reports[${i}]: overlaps reports[${j}] for ${a.service} in chat ${shared.join(', ')}`);
      }
    });
  });
}

function checkReferences(
  scenario: Scenario,
  config: ServicesConfig,
  sound: ReadonlySet<string>,
  problems: string[],
): void {
  const services = new Map(config.services.map((service) => [service.id, service]));
  const known = (): string => [...services.keys()].join(', ');
  const chatIds = new Set<string>();
  scenario.chats.forEach((chat, i) => {
    if (chatIds.has(chat.id)) problems.push(`chats[${i}].id: duplicate chat id "${chat.id}"`);
    chatIds.add(chat.id);
    chat.subscribe.forEach((serviceId, j) => {
      if (serviceId !== '*' && !services.has(serviceId)) {
        problems.push(
          `chats[${i}].subscribe[${j}]: unknown service "${serviceId}" (known: ${known()}, or *)`,
        );
      }
    });
  });
  for (const serviceId of Object.keys(scenario.trouble)) {
    if (!services.has(serviceId)) problems.push(`trouble.${serviceId}: unknown service (known: ${known()})`);
  }
  scenario.reports.forEach((report, i) => {
    const service = services.get(report.service);
    if (service === undefined) {
      problems.push(`reports[${i}].service: unknown service "${report.service}" (known: ${known()})`);
    } else if (!service.crowd) {
      problems.push(`reports[${i}].service: ${report.service} takes no crowd reports (crowd: false)`);
    }
    report.chats.forEach((chat, j) => {
      if (sound.has('chats') && !chatIds.has(chat))
        problems.push(`reports[${i}].chats[${j}]: unknown chat "${chat}"`);
    });
  });
}

/** Stand-in ids serve as URL paths; two DNS stand-ins cannot answer one name. */
function checkStandIns(scenario: Scenario, problems: string[]): void {
  const names = new Map<string, string>();
  for (const [key, standIn] of Object.entries(scenario.standIns)) {
    if (!id.safeParse(key).success) {
      problems.push(`standIns.${key}: a stand-in id must be lowercase letters, digits, - or _`);
    }
    if (standIn.type !== 'dns') continue;
    const name = standIn.name.toLowerCase();
    const other = names.get(name);
    if (other !== undefined) problems.push(`standIns.${key}.name: ${name} is already served by ${other}`);
    names.set(name, key);
  }
}

/** The state of every stand-in at `at`: the last time line entry at or before it, else `initial`. */
export function standInStates(scenario: Scenario, at: number): Record<string, StandInState> {
  const states: Record<string, StandInState> = {};
  for (const [key, standIn] of Object.entries(scenario.standIns)) {
    let state: StandInState = standIn.initial;
    for (const entry of standIn.timeline) if (entry.at <= at) state = entry.state;
    states[key] = state;
  }
  return states;
}
export type StandInState = HttpState | DnsState | TlsState | StatusState;

/** The chat a report comes from, as `/report` would see it. */
export interface ReportChat {
  readonly platform: PlatformName;
  readonly chatId: string;
  readonly guildId: string | null;
}

/** One member of a chat reporting a problem, as `/report <service> <text>` would carry it. */
export interface PlannedReport {
  readonly at: number;
  readonly serviceId: string;
  readonly userId: string;
  readonly chat: ReportChat;
  readonly text: string;
}

/** A scenario chat as the platforms address it: Discord chats sit in a server (guild) of their own. */
export function reportChat(chat: ScenarioChat): ReportChat {
  return {
    platform: chat.platform,
    chatId: chat.id,
    guildId: chat.platform === 'discord' ? `${chat.id}-server` : null,
  };
}

/** Every planned report, in time order: spread evenly over each window, the chats in turn. */
export function planReports(scenario: Scenario): PlannedReport[] {
  const chats = new Map(scenario.chats.map((chat) => [chat.id, reportChat(chat)]));
  const reports: PlannedReport[] = [];
  scenario.reports.forEach((series, s) => {
    series.reporters.forEach((count, w) => {
      const windowStart = series.from + w * series.window;
      for (let i = 0; i < count; i++) {
        const chat = chats.get(series.chats[i % series.chats.length] ?? '');
        if (chat === undefined) continue;
        reports.push({
          at: windowStart + Math.floor(((i + 0.5) * series.window) / count),
          serviceId: series.service,
          userId: `${series.service}-${s}-${w}-${i}`,
          chat,
          text: series.texts[i % series.texts.length] ?? 'not working',
        });
      }
    });
  });
  return reports.sort((a, b) => a.at - b.at);
}
