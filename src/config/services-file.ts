/**
 * Loads and validates the services file (docs/design.md §5). Each monitor is checked by its probe's own
 * schema; every problem in the file is reported with its path, never just the first.
 */
import { readFileSync } from 'node:fs';
import cron from 'node-cron';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { CHAT_SERVICE_PREFIX, type Catalog, type ServiceDef, VANTAGE_MODES } from '../core/catalog.js';
import { type ConfirmPolicy, DEFAULT_CONFIRM, DEFAULT_FLAP } from '../core/detection/monitor-state.js';
import { durationSchema } from '../core/duration.js';
import type { MonitorConfig, Schedule } from '../monitors/monitor-config.js';
import { PROBES, findProbe } from '../monitors/registry.js';
import { buildMaintenance, maintenanceListSchema } from './maintenance-windows.js';
import { ConfigError, describeIssues, formatPath } from './problems.js';

/** Operator monitors may run every second (docs/design.md §5); chat-added ones get a higher floor elsewhere. */
export const MIN_OPERATOR_INTERVAL_MS = 1000;
const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lowercase letters, digits, - or _ (max 63)');
/** Ids of services and monitors: `chat-…` belongs to monitors added from chat (`/monitor add`). */
const operatorId = slug.refine((id) => !id.startsWith(CHAT_SERVICE_PREFIX), {
  message: `must not start with "${CHAT_SERVICE_PREFIX}" (reserved for monitors added from chat)`,
});
/**
 * `down` is a fixed count, or `auto` (the default): learned from the monitor's own failure rate
 * (docs/detection.md). Giving a number anywhere overrides the learning for the monitors it covers.
 */
const confirmSchema = z.strictObject({
  down: z.union([z.int().min(1).max(20), z.literal('auto')]).optional(),
  up: z.int().min(1).max(20).optional(),
});
const flapSchema = z.strictObject({ changes: z.int().min(1).max(100), window: durationSchema });
const cronSchema = z.string().refine((expr) => cron.validate(expr), { message: 'Invalid cron expression' });
const interval = durationSchema.refine((ms) => ms >= MIN_OPERATOR_INTERVAL_MS, {
  message: `must be at least ${MIN_OPERATOR_INTERVAL_MS / 1000}s`,
});

/** Keys every monitor may have whatever its type; the rest belong to the probe's own schema. */
const commonSchema = z.strictObject({
  type: z.string(),
  id: operatorId.optional(),
  every: interval.optional(),
  cron: cronSchema.optional(),
  timeout: durationSchema.optional(),
  confirm: confirmSchema.optional(),
  flap: flapSchema.optional(),
});
const COMMON_KEYS = new Set(Object.keys(commonSchema.shape));

const rawMonitor = z.record(z.string(), z.unknown(), { error: 'must be a mapping with a type' });
const fileSchema = z.strictObject({
  defaults: z
    .strictObject({
      every: interval.optional(),
      timeout: durationSchema.optional(),
      confirm: confirmSchema.optional(),
      flap: flapSchema.optional(),
    })
    .optional(),
  control: z.array(rawMonitor).optional(),
  services: z
    .array(
      z.strictObject({
        id: operatorId,
        name: z.string().trim().min(1).max(100),
        group: slug.optional(),
        quorum: z.int().min(1).optional(),
        crowd: z.boolean().optional(),
        vantages: z.enum(VANTAGE_MODES).optional(),
        monitors: z.array(rawMonitor).default([]),
      }),
    )
    .min(1, 'at least one service is needed'),
  /** Planned maintenance windows (src/config/maintenance-windows.ts). */
  maintenance: maintenanceListSchema.optional(),
});

export type { MonitorConfig, Schedule } from '../monitors/monitor-config.js';

export interface ServicesConfig extends Catalog {
  readonly monitors: readonly MonitorConfig[];
  readonly services: readonly ServiceDef[];
}

/** Reads, parses and validates a services file. Throws `ConfigError` listing every problem. */
export function loadServicesFile(path: string): ServicesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [
      `cannot read the services file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  return parseServices(text, path);
}

/** Validates services-file text. Exported for tests and for tools that lint a file. */
export function parseServices(text: string, source = 'services file'): ServicesConfig {
  const parsed = fileSchema.safeParse(readServicesInChunks(text) ?? readYaml(text, source));
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error));
  const file = parsed.data;
  const problems: string[] = [];
  const intervalMs = file.defaults?.every ?? DEFAULT_INTERVAL_MS;
  const defaults = {
    intervalMs,
    schedule: { kind: 'every', ms: intervalMs } as const,
    timeoutMs: file.defaults?.timeout ?? DEFAULT_TIMEOUT_MS,
    confirm: mergeConfirm(DEFAULT_CONFIRM, file.defaults?.confirm),
    flap: file.defaults?.flap
      ? { changes: file.defaults.flap.changes, windowMs: file.defaults.flap.window }
      : DEFAULT_FLAP,
  };
  const shared = new SharedValues();
  const monitors: MonitorConfig[] = [];
  const services: ServiceDef[] = [];
  const serviceIds = new Set<string>();
  (file.control ?? []).forEach((raw, i) => {
    const m = buildMonitor(raw, ['control', i], null, `control-${i}`, defaults, problems, shared);
    if (m) monitors.push(m);
  });
  file.services.forEach((s, i) => {
    if (serviceIds.has(s.id)) problems.push(`services[${i}].id: duplicate service id "${s.id}"`);
    serviceIds.add(s.id);
    const all = s.vantages === 'all';
    const own = s.monitors.flatMap((raw, j) => {
      const m = buildMonitor(
        raw,
        ['services', i, 'monitors', j],
        s.id,
        `${s.id}-${j}`,
        defaults,
        problems,
        shared,
      );
      // Votes are about what a probe measures; an official feed says the same from anywhere.
      return m ? [all && m.role === 'probe' ? { ...m, vantages: 'all' as const } : m] : [];
    });
    if (own.length === 0 && s.crowd === false && s.monitors.length === 0) {
      problems.push(`services[${i}].monitors: a service needs monitors or crowd reports`);
    }
    monitors.push(...own);
    services.push({
      id: s.id,
      name: s.name,
      group: s.group ?? null,
      quorum: s.quorum ?? null,
      crowd: s.crowd ?? true,
      monitorIds: own.map((m) => m.id),
      ...(all ? { vantages: 'all' as const } : {}),
    });
  });
  const seen = new Set<string>();
  for (const m of monitors) {
    if (seen.has(m.id)) problems.push(`monitor id "${m.id}" is used twice: give one of them another id`);
    seen.add(m.id);
  }
  const maintenance = buildMaintenance(file.maintenance ?? [], services, problems);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { services, monitors, ...(maintenance.length > 0 ? { maintenance } : {}) };
}

/** The whole file as one YAML document; a syntax error throws `ConfigError` with its line. */
function readYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map(
        (e) =>
          `YAML line ${lineCounter.linePos(e.pos[0]).line.toString()}: ${e.message.split('\n')[0] ?? ''}`,
      ),
    );
  }
  return doc.toJS();
}

/** Services read per YAML document in `readServicesInChunks`. */
const SERVICES_PER_CHUNK = 250;
const SEQUENCE_ITEM = /^ *-( |\r?$)/;
const BLANK_OR_COMMENT = /^ *(#.*)?\r?$/;

/**
 * Reads a large file without holding the YAML syntax tree and document of all of it at once (at
 * 10,000 services they take over 100 MB of heap for a result of about 3 MB): the items of the
 * top-level block sequence `services:` are read SERVICES_PER_CHUNK at a time, each run of lines as
 * its own document, and the rest of the file as one more. The lines and their indentation are
 * unchanged, so every part reads as it does inside the whole file. Returns undefined, and the
 * caller reads the whole file, whenever that cannot be shown: no single `services:` line at
 * column 0 followed by a block sequence, a directive or document marker, or any part with an error
 * or warning, or an alias to an anchor in another part (a syntax error is then reported by the
 * whole read, with the file's own line numbers).
 */
function readServicesInChunks(text: string): unknown {
  const lines = text.split('\n');
  if (lines.some((line) => /^(%|---|\.\.\.)/.test(line))) return undefined;
  const keyLines = lines.flatMap((line, i) => (/^services:[ \t]*(#.*)?\r?$/.test(line) ? [i] : []));
  if (keyLines.length !== 1) return undefined;
  const first = (keyLines[0] ?? 0) + 1;
  const itemStarts: number[] = [];
  let indent = -1;
  let end = lines.length;
  for (let i = first; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (BLANK_OR_COMMENT.test(line)) continue;
    const lead = line.length - line.replace(/^ +/, '').length;
    if (line[lead] === '\t') return undefined;
    if (indent < 0) {
      if (!SEQUENCE_ITEM.test(line)) return undefined;
      indent = lead;
    }
    if (lead > indent) continue;
    if (lead === indent && SEQUENCE_ITEM.test(line)) {
      itemStarts.push(i);
      continue;
    }
    end = i;
    break;
  }
  if (itemStarts.length === 0) return undefined;
  const read = (part: string): unknown => {
    const doc = parseDocument(part, { prettyErrors: false });
    if (doc.errors.length > 0 || doc.warnings.length > 0) return undefined;
    try {
      return doc.toJS(); // throws on an alias whose anchor is in another part
    } catch {
      return undefined;
    }
  };
  // Lines `from` to `to` as in the file: each line break kept (a lone CR before one is not content).
  const part = (from: number, to: number): string =>
    lines.slice(from, to).join('\n') + (to < lines.length ? '\n' : '');
  const rest = read(part(0, first) + part(end, lines.length));
  if (typeof rest !== 'object' || rest === null || Array.isArray(rest)) return undefined;
  if (!Object.hasOwn(rest, 'services') || (rest as { services: unknown }).services !== null) return undefined;
  const services: unknown[] = [];
  for (let c = 0; c < itemStarts.length; c += SERVICES_PER_CHUNK) {
    const items = read(part(itemStarts[c] ?? end, itemStarts[c + SERVICES_PER_CHUNK] ?? end));
    if (!Array.isArray(items)) return undefined;
    for (const item of items) services.push(item);
  }
  return { ...rest, services };
}

/**
 * What a monitor gets for the keys it leaves out. Monitors that keep a default share its object
 * (schedule, confirm, flap): at 10,000 monitors, copies would be 10,000 equal objects each.
 */
interface MonitorDefaults {
  readonly intervalMs: number;
  readonly schedule: Schedule;
  readonly timeoutMs: number;
  readonly confirm: ConfirmPolicy;
  readonly flap: { readonly changes: number; readonly windowMs: number };
}

/**
 * One shared copy of equal values among the monitors of a file: schedules of the same interval and
 * options' plain-data parts (an HTTP monitor's `expect`, equal headers). At 100,000 monitors each
 * copy is 100,000 equal objects. Shared values are never changed (a `MonitorConfig` is read-only).
 */
class SharedValues {
  private readonly schedules = new Map<number, Schedule>();
  private readonly plain = new Map<string, unknown>();

  every(ms: number): Schedule {
    let schedule = this.schedules.get(ms);
    if (schedule === undefined) {
      schedule = { kind: 'every', ms };
      this.schedules.set(ms, schedule);
    }
    return schedule;
  }

  /** The options with each plain-data object value shared with equal ones of the same probe type and key. */
  options(type: string, options: unknown): unknown {
    if (
      typeof options !== 'object' ||
      options === null ||
      Object.getPrototypeOf(options) !== Object.prototype
    )
      return options;
    // A copy made at once with all its keys keeps them in the object (zod's output adds them one by
    // one and spills into a separate property array).
    const copy: Record<string, unknown> = { ...(options as Record<string, unknown>) };
    for (const [key, value] of Object.entries(copy)) {
      if (typeof value !== 'object' || value === null) continue;
      const text = plainJson(value);
      if (text === undefined) continue;
      const id = `${type}\0${key}\0${text}`;
      const known = this.plain.get(id);
      if (known === undefined) this.plain.set(id, value);
      else copy[key] = known;
    }
    return copy;
  }
}

/**
 * The JSON text of a value made only of plain objects, arrays, strings, booleans, null and finite
 * numbers (so two equal texts are interchangeable values); undefined for anything else (a RegExp, a
 * class instance, a function, an undefined property, -0, NaN).
 */
function plainJson(value: unknown): string | undefined {
  let plain = true;
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    // The value as held, before any toJSON of its own (a Date, a class) stood in for it.
    const held = this[key];
    if (typeof held === 'object' && held !== null && !Array.isArray(held)) {
      const proto: unknown = Object.getPrototypeOf(held);
      if (proto !== Object.prototype && proto !== null) plain = false;
    }
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint')
      plain = false;
    else if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) plain = false;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      if (Object.values(v).some((p) => p === undefined)) plain = false;
    }
    return v;
  });
  return plain ? text : undefined;
}

function buildMonitor(
  raw: Record<string, unknown>,
  path: readonly PropertyKey[],
  serviceId: string | null,
  fallbackId: string,
  defaults: MonitorDefaults,
  problems: string[],
  shared: SharedValues,
): MonitorConfig | null {
  const type = raw['type'];
  const probe = typeof type === 'string' ? findProbe(type) : undefined;
  if (!probe) {
    const known = PROBES.map((p) => p.type).join(', ');
    problems.push(
      `${describePath(path)}.type: unknown probe type ${JSON.stringify(type ?? null)} (known: ${known})`,
    );
    return null;
  }
  const common: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) (COMMON_KEYS.has(key) ? common : own)[key] = value;
  // `reuse` is an http option: elsewhere it gets its own message, not the schema's "unrecognized key".
  const misplacedReuse = probe.type !== 'http' && 'reuse' in own;
  if (misplacedReuse) {
    problems.push(
      `${describePath([...path, 'reuse'])}: reuse (a kept-alive connection) is only for http monitors, not ${probe.type}`,
    );
    delete own['reuse'];
  }
  const c = commonSchema.safeParse(common);
  const o = probe.optionsSchema.safeParse(own);
  if (!c.success) problems.push(...describeIssues(c.error, path));
  if (!o.success) problems.push(...describeIssues(o.error, path));
  if (c.success && c.data.every !== undefined && c.data.cron !== undefined) {
    problems.push(`${describePath(path)}: give either every or cron, not both`);
  }
  if (!c.success || !o.success || misplacedReuse) return null;
  const timeoutMs = c.data.timeout ?? defaults.timeoutMs;
  const every = c.data.every ?? defaults.intervalMs;
  const schedule: Schedule =
    c.data.cron !== undefined
      ? { kind: 'cron', expression: c.data.cron }
      : every === defaults.intervalMs
        ? defaults.schedule
        : shared.every(every);
  return {
    id: c.data.id !== undefined ? (serviceId === null ? c.data.id : `${serviceId}-${c.data.id}`) : fallbackId,
    serviceId,
    type: probe.type,
    role: probe.role ?? 'probe',
    target: probe.describe(o.data),
    intervalMs: schedule.kind === 'every' ? schedule.ms : cronIntervalMs(schedule.expression),
    confirm: mergeConfirm(defaults.confirm, c.data.confirm),
    flap: c.data.flap ? { changes: c.data.flap.changes, windowMs: c.data.flap.window } : defaults.flap,
    probe,
    options: shared.options(probe.type, o.data),
    timeoutMs,
    schedule,
  };
}

/**
 * The cadence a cron monitor is modelled with (docs/detection.md): the smallest gap between its
 * next firings, so the learned confirmation counts as many chances of a false alarm as its
 * busiest stretch gives. Cron monitors are not re-checked: they keep to their expression.
 */
export function cronIntervalMs(expression: string, firings = 24): number {
  const task = cron.createTask(expression, () => {});
  try {
    const runs = task.getNextRuns(firings).map((d) => d.getTime());
    let gap = Number.POSITIVE_INFINITY;
    for (let i = 1; i < runs.length; i++) gap = Math.min(gap, (runs[i] ?? 0) - (runs[i - 1] ?? 0));
    return Number.isFinite(gap) && gap > 0 ? gap : DEFAULT_INTERVAL_MS;
  } finally {
    void task.destroy();
  }
}

function describePath(path: readonly PropertyKey[]): string {
  return formatPath(path);
}

function mergeConfirm(
  base: ConfirmPolicy,
  override: { down?: number | 'auto' | undefined; up?: number | undefined } | undefined,
): ConfirmPolicy {
  if (override?.down === undefined && override?.up === undefined) return base;
  return { down: override.down ?? base.down, up: override.up ?? base.up };
}
