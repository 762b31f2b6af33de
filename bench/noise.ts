/**
 * Noise benchmark (`npm run bench noise`): false alarms and detection delay of the detection
 * engine under random check failures, on a simulated clock (no real waiting).
 *
 * Part 1, the fleet: 100 services with one probe each fail at random, each at its own rate (70
 * of them at 0.5–5 %, 30 at 5–10 %), a fifth of failures timing out, with latency jitter, and two
 * control targets (so the vantage guard runs). 200 real outages (half refused, half timing out)
 * are injected on random services. Checks are scheduled as the scheduler does it (each monitor on
 * its phase grid, never overlapping itself, re-checks by the same policy: `recheckDelayMs`,
 * `recheckFits`, at most `maxConcurrent / 8` re-checks in flight), and fed to the real
 * DetectionEngine with the real SQLite detection store (a temp file, written behind as the app
 * does, removed at the end). Every monitor starts fresh (the prior), as after a first start.
 * Each case runs twice, the learned confirmation with re-checks (now) and a fixed
 * `confirm: { down: 2 }` without re-checks (the old behaviour), on the same noise: a regular check
 * draws from its service's stream at its slot's index, so both runs see the same failures on the
 * same slots (re-checks draw from a stream of their own).
 *
 * Each run also delivers what one chat subscribed to every service (minimum severity 'minor') would
 * receive, through the real delivery path as src/app.ts wires it: the detection store's incident
 * hook fills the SQLite outbox, and an OutboxWorker with a PlainChatSender (src/demo/plain-alert.ts)
 * runs a pass every simulated second (DRAIN_MS), so gather windows behave as live. It counts new
 * messages (sends, replies, summaries: notifications) and silent edits.
 *
 * Part 2, the budget: one monitor failing 5 % of its checks (a fifth timing out), learned rate
 * in place, stepped through `stepMonitor` with the re-check policy for many simulated days per
 * cadence; it prints the false alarms per 90 days against the budget of 1.
 *
 * The seed is printed; `NOISE_SEED=<n>` replays a run.
 */
import { parseServices, type ServicesConfig } from '../src/config/services-file.js';
import {
  BACKGROUND_MEMORY,
  BUDGET_PERIOD_MS,
  type Cadence,
  DETECTION_SLACK_MS,
  FALSE_ALARM_BUDGET,
  checksPerBudgetPeriod,
  downConfirmation,
  recheckDelayMs,
  recheckFits,
  targetMet,
} from '../src/core/detection/confirmation.js';
import { type MonitorRecord, stepMonitor } from '../src/core/detection/monitor-state.js';
import { ALL_SERVICES } from '../src/core/delivery/ports.js';
import { longestIntervalByGroup } from '../src/core/delivery/grouping.js';
import { DetectionEngine } from '../src/core/detection/engine.js';
import type { IncidentEvent } from '../src/core/events.js';
import type { ProbeOutcome } from '../src/core/model.js';
import { openDatabase } from '../src/db/database.js';
import { SqliteDetectionStore, WRITE_BEHIND_MS } from '../src/db/sqlite-detection-store.js';
import { SqliteOutboxStore } from '../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../src/db/sqlite-subscription-store.js';
import { PlainChatSender, type ReceivedMessage } from '../src/demo/plain-alert.js';
import { OutboxWorker } from '../src/dispatch/outbox-worker.js';
import { Pacer, UNPACED } from '../src/dispatch/pacer.js';
import { createLogger } from '../src/logging.js';
import { DEFAULT_MAX_CONCURRENT_CHECKS, firstSlot, rechecksInFlightFor } from '../src/monitors/scheduler.js';
import { fmt, percentile, tempDir } from './support.js';

const SERVICES = 100;
/** Services failing at most 5 % of their checks; the rest fail 5–10 %. */
const QUIET_SERVICES = 70;
const OUTAGES = 200;
const CONTROLS = 2;
const MINUTE = 60_000;
/** The vantage guard's round, as in src/app.ts. */
const VANTAGE_ROUND_MS = 60_000;
/** As the scheduler's default: an eighth of the in-flight cap, for re-checks of their own. */
const RECHECKS_IN_FLIGHT = rechecksInFlightFor(DEFAULT_MAX_CONCURRENT_CHECKS);
/** The outbox worker runs a pass every simulated second (the live worker runs when woken or polling). */
const DRAIN_MS = 1000;
/** After the last check, the worker keeps running this long so gathered rows go out. */
const DRAIN_TAIL_MS = MINUTE;
/** Background failures that time out rather than fail fast (refused, HTTP 5xx). */
const TIMEOUT_SHARE = 0.2;

interface Case {
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly durationMs: number;
  /** Injected outages last from `outageMs[0]` to `outageMs[1]`. */
  readonly outageMs: readonly [number, number];
}

const CASES: readonly Case[] = [
  // config/services.yaml: every 60s, timeout 10s.
  {
    name: 'every 60 s (config/services.yaml)',
    intervalMs: 60_000,
    timeoutMs: 10_000,
    durationMs: 48 * 60 * MINUTE,
    outageMs: [3 * MINUTE, 20 * MINUTE],
  },
  // The measurement with the real bot: ten services checked every second.
  {
    name: 'every 1 s',
    intervalMs: 1000,
    timeoutMs: 800,
    durationMs: 60 * MINUTE,
    outageMs: [MINUTE, 4 * MINUTE],
  },
];

interface Outage {
  readonly service: number;
  readonly start: number;
  readonly end: number;
  /** Fails fast (refused) or by timing out. */
  readonly timeouts: boolean;
}

/** mulberry32: a small seeded PRNG, enough for a benchmark. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform draw in [0, 1) from a stream `(seed, stream)` at position `index`: paired noise. */
function drawAt(seed: number, stream: number, index: number): () => number {
  return prng(
    Math.imul(seed ^ Math.imul(stream + 1, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35),
  );
}

/** A minimal binary heap of timed events, ordered by time then insertion. */
class EventQueue<T> {
  private readonly items: { at: number; seq: number; value: T }[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(at: number, value: T): void {
    const items = this.items;
    items.push({ at, seq: this.seq++, value });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { at: number; value: T } | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined) return undefined;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(l, m)) m = l;
        if (r < items.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a];
    const y = this.items[b];
    if (!x || !y) return false;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const x = this.items[a];
    const y = this.items[b];
    if (!x || !y) return;
    this.items[a] = y;
    this.items[b] = x;
  }
}

type Event =
  | { readonly kind: 'slot'; readonly monitor: number; readonly recheck: boolean }
  | {
      readonly kind: 'result';
      readonly monitor: number;
      readonly outcome: ProbeOutcome;
      readonly recheck: boolean;
    };

interface Figures {
  readonly checks: number;
  /** Regular checks of services failing at most 5 % of the time. */
  readonly checksUpTo5: number;
  readonly rechecks: number;
  readonly skipped: number;
  readonly falseAlarms: number;
  /** False alarms on services whose failure rate is at most 5 %. */
  readonly falseAlarmsUpTo5: number;
  readonly delays: readonly number[];
  readonly missed: number;
  /** Outages that began while a false alarm of their service was still open. */
  readonly alreadyOpen: number;
  readonly events: number;
  readonly eventsByKind: Readonly<Record<string, number>>;
  /** Messages the chat subscribed to every service received: new ones (notifications) and edits. */
  readonly newMessages: number;
  readonly edits: number;
  readonly messagesByKind: Readonly<Record<string, number>>;
  readonly seconds: number;
}

function servicesFile(c: Case, fixed: boolean): ServicesConfig {
  const confirm = fixed ? ', confirm: { down: 2, up: 2 }' : '';
  const lines = Array.from(
    { length: SERVICES },
    (_, i) => `  - { id: s${i}, name: S${i}, monitors: [ { type: http, url: "http://127.0.0.1:9/${i}" } ] }`,
  );
  const controls = Array.from(
    { length: CONTROLS },
    (_, i) => `  - { type: tcp, host: 127.0.0.${i + 2}, port: 53 }`,
  );
  return parseServices(
    `defaults: { every: ${c.intervalMs / 1000}s, timeout: ${c.timeoutMs}ms${confirm} }\n` +
      `control:\n${controls.join('\n')}\nservices:\n${lines.join('\n')}\n`,
  );
}

async function simulate(
  c: Case,
  fixed: boolean,
  rates: readonly number[],
  outages: readonly Outage[],
  seed: number,
  start: number,
): Promise<Figures> {
  const services = servicesFile(c, fixed);
  const dir = tempDir('bench-noise-');
  const db = openDatabase(`${dir.path}/bench.db`);
  const began = performance.now();
  try {
    let now = start;
    const clock = { now: () => now };
    const store = new SqliteDetectionStore(db, services, { writeBehindMs: WRITE_BEHIND_MS });
    const engine = new DetectionEngine(services, store, clock, { roundMs: VANTAGE_ROUND_MS });
    // Delivery as src/app.ts wires it: incident changes fill the outbox in their own transaction.
    const groupIntervals = longestIntervalByGroup(services);
    const outbox = new SqliteOutboxStore(db, {
      recoveryJoinMs: (group) => (group === null ? 0 : (groupIntervals.get(group) ?? 0)),
    });
    const subscriptions = new SqliteSubscriptionStore(db);
    store.addIncidentHook((event) => outbox.enqueueIncidentEvent(event));
    subscriptions.subscribe(
      { platform: 'telegram', chatId: 'bench-chat', guildId: null },
      ALL_SERVICES,
      'minor',
      start,
    );
    const messages: ReceivedMessage[] = [];
    const worker = new OutboxWorker({
      store: outbox,
      subscriptions,
      sender: new PlainChatSender('telegram', clock.now, (message) => messages.push(message)),
      pacer: new Pacer(UNPACED, clock),
      clock,
      log: createLogger('silent', []),
    });
    let nextDrain = start;
    /** Runs the worker's passes due up to `until`, each at its own simulated second. */
    const drainUntil = async (until: number): Promise<void> => {
      for (; nextDrain <= until; nextDrain += DRAIN_MS) {
        now = nextDrain;
        await worker.runOnce();
      }
    };
    const events: IncidentEvent[] = [];
    engine.onIncident((e) => events.push(e));
    const monitors = services.monitors;
    /** The service a monitor checks (its index), or -1 for a control target. */
    const serviceOf = monitors.map((m) => (m.serviceId === null ? -1 : Number(m.serviceId.slice(1))));
    const recheckStreams = monitors.map((_, i) => prng(seed ^ Math.imul(i + 7, 0x27d4eb2f)));
    const running = new Array<boolean>(monitors.length).fill(false);
    const recheckQueued = new Array<boolean>(monitors.length).fill(false);
    let rechecksInFlight = 0;
    const queue = new EventQueue<Event>();
    monitors.forEach((m, i) =>
      queue.push(firstSlot(m.id, c.intervalMs, start), { kind: 'slot', monitor: i, recheck: false }),
    );
    const end = start + c.durationMs;
    const outageOf = (service: number, at: number): Outage | undefined =>
      outages.find((o) => o.service === service && at >= o.start && at < o.end);
    let checks = 0;
    let checksUpTo5 = 0;
    let rechecks = 0;
    let skipped = 0;

    /** One check's outcome and how long it takes, as a probe would report it. */
    const draw = (
      service: number,
      at: number,
      random: () => number,
    ): { outcome: ProbeOutcome; durationMs: number } => {
      if (service < 0) {
        const latency = Math.round(5 + random() * 20);
        return {
          outcome: { status: 'up', reason: 'ok', message: 'open', latencyMs: latency },
          durationMs: latency,
        };
      }
      const outage = outageOf(service, at);
      const timeout = { status: 'down', reason: 'timeout', message: 'timed out', latencyMs: null } as const;
      const refused = {
        status: 'down',
        reason: 'refused',
        message: 'connection refused',
        latencyMs: null,
      } as const;
      if (outage)
        return outage.timeouts
          ? { outcome: timeout, durationMs: c.timeoutMs }
          : { outcome: refused, durationMs: 3 + random() * 10 };
      if (random() < (rates[service] ?? 0)) {
        if (random() < TIMEOUT_SHARE) return { outcome: timeout, durationMs: c.timeoutMs };
        const latency = Math.round(20 + random() * 200);
        return {
          outcome: { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: latency },
          durationMs: latency,
        };
      }
      // Latency jitter: 20 ms plus an exponential tail, always within the timeout.
      const latency = Math.min(c.timeoutMs * 0.9, Math.round(20 - 80 * Math.log(1 - random())));
      return {
        outcome: { status: 'up', reason: 'ok', message: 'HTTP 200', latencyMs: latency },
        durationMs: latency,
      };
    };

    for (let next = queue.pop(); next !== undefined && next.at < end; next = queue.pop()) {
      if (next.at >= nextDrain) await drainUntil(next.at);
      now = Math.round(next.at);
      const e = next.value;
      const m = monitors[e.monitor];
      if (!m) continue;
      if (e.kind === 'slot') {
        if (e.recheck) recheckQueued[e.monitor] = false;
        else queue.push(next.at + c.intervalMs, { kind: 'slot', monitor: e.monitor, recheck: false });
        if (running[e.monitor]) {
          skipped++;
          continue;
        }
        if (e.recheck && rechecksInFlight >= RECHECKS_IN_FLIGHT) continue; // dropped when due
        running[e.monitor] = true;
        checks++;
        const service = serviceOf[e.monitor] ?? -1;
        if (e.recheck) {
          rechecks++;
          rechecksInFlight++;
        } else if ((rates[service] ?? 1) <= 0.05) checksUpTo5++;
        const random = e.recheck
          ? (recheckStreams[e.monitor] ?? Math.random)
          : drawAt(seed, e.monitor, Math.round((next.at - start) / c.intervalMs));
        const { outcome, durationMs } = draw(service, now, random);
        queue.push(next.at + durationMs, {
          kind: 'result',
          monitor: e.monitor,
          outcome,
          recheck: e.recheck,
        });
        continue;
      }
      running[e.monitor] = false;
      if (e.recheck) rechecksInFlight--;
      engine.handleResult(m.id, e.outcome);
      if (fixed) continue; // the old behaviour: no re-checks
      // The scheduler's rules (src/monitors/scheduler.ts scheduleRecheck).
      if (recheckQueued[e.monitor]) continue;
      const timedOut = e.outcome.reason === 'timeout';
      const delay = recheckDelayMs(engine.pendingFailures(m.id), c.intervalMs, timedOut);
      if (delay === null) continue;
      const at = now + delay;
      if (!recheckFits(at, c.timeoutMs, firstSlot(m.id, c.intervalMs, now + 1))) continue;
      recheckQueued[e.monitor] = true;
      queue.push(at, { kind: 'slot', monitor: e.monitor, recheck: true });
    }
    store.flush();
    await drainUntil(end + DRAIN_TAIL_MS);

    // An opening within an outage, or up to the detection target after it, belongs to it.
    const grace = 2 * c.intervalMs + DETECTION_SLACK_MS;
    const openings = events.filter((e) => e.kind === 'opened' || e.kind === 'reopened');
    const serviceIndex = (id: string): number => Number(id.slice(1));
    const attributed = (e: IncidentEvent): Outage | undefined =>
      outages.find((o) => o.service === serviceIndex(e.serviceId) && e.at >= o.start && e.at < o.end + grace);
    const falseAlarms = openings.filter((e) => attributed(e) === undefined);
    const delays: number[] = [];
    let missed = 0;
    let alreadyOpen = 0;
    for (const o of outages) {
      // A false alarm still open when the outage begins: the chat already has an alert.
      const before = events.filter((e) => serviceIndex(e.serviceId) === o.service && e.at <= o.start).at(-1);
      if (before !== undefined && before.kind !== 'resolved') {
        alreadyOpen++;
        continue;
      }
      const first = openings.find(
        (e) => serviceIndex(e.serviceId) === o.service && e.at >= o.start && e.at < o.end + grace,
      );
      if (first) delays.push(first.at - o.start);
      else missed++;
    }
    const eventsByKind: Record<string, number> = {};
    for (const e of events) eventsByKind[e.kind] = (eventsByKind[e.kind] ?? 0) + 1;
    const messagesByKind: Record<string, number> = {};
    for (const m of messages) messagesByKind[m.kind] = (messagesByKind[m.kind] ?? 0) + 1;
    const edits = messagesByKind['edit'] ?? 0;
    return {
      checks,
      checksUpTo5,
      rechecks,
      skipped,
      falseAlarms: falseAlarms.length,
      falseAlarmsUpTo5: falseAlarms.filter((e) => (rates[serviceIndex(e.serviceId)] ?? 1) <= 0.05).length,
      delays: delays.sort((a, b) => a - b),
      missed,
      alreadyOpen,
      events: events.length,
      eventsByKind,
      newMessages: messages.length - edits,
      edits,
      messagesByKind,
      seconds: (performance.now() - began) / 1000,
    };
  } finally {
    db.close();
    dir.remove();
  }
}

function injectOutages(c: Case, random: () => number, start: number): Outage[] {
  const outages: Outage[] = [];
  for (let tries = 0; outages.length < OUTAGES && tries < 100 * OUTAGES; tries++) {
    const service = Math.floor(random() * SERVICES);
    const [shortest, longest] = c.outageMs;
    const length = Math.round(shortest + random() * (longest - shortest));
    const from = start + c.durationMs * 0.05 + random() * (c.durationMs * 0.9 - length);
    const o = { service, start: Math.round(from), end: Math.round(from + length), timeouts: random() < 0.5 };
    // Apart from other outages of the same service by more than the reopen cool-down.
    const clash = outages.some(
      (x) => x.service === service && o.start < x.end + 15 * MINUTE && x.start < o.end + 15 * MINUTE,
    );
    if (!clash) outages.push(o);
  }
  return outages;
}

function report(label: string, c: Case, f: Figures): void {
  const target = 2 * c.intervalMs + DETECTION_SLACK_MS;
  const s = (ms: number): string => `${fmt(ms / 1000)} s`;
  const kinds = ['opened', 'reopened', 'updated', 'resolved']
    .map((k) => `${k} ${f.eventsByKind[k] ?? 0}`)
    .join(', ');
  const messageKinds = ['send', 'reply', 'summary', 'edit']
    .map((k) => `${k} ${f.messagesByKind[k] ?? 0}`)
    .join(', ');
  const p99 = f.delays.length >= 100 ? `p99 ${s(percentile(f.delays, 0.99))} ` : '';
  console.log(
    `  ${label}: ${f.checks} checks (${f.rechecks} re-checks, ${f.skipped} skipped; ` +
      `${f.checksUpTo5} regular checks of services at ≤ 5 %), ` +
      `false alarms ${f.falseAlarms} (${f.falseAlarmsUpTo5} at ≤ 5 %), ` +
      `detection p50 ${s(percentile(f.delays, 0.5))} ${p99}max ${s(f.delays.at(-1) ?? Number.NaN)} ` +
      `of ${f.delays.length} (target ≤ ${s(target)}), missed ${f.missed}/${OUTAGES}` +
      (f.alreadyOpen > 0 ? ` (${f.alreadyOpen} more began during a false alarm)` : '') +
      ', ' +
      `incident events per chat ${f.events} (${kinds}), ` +
      `messages per chat ${f.newMessages} new / ${f.edits} edits (${messageKinds}); ${fmt(f.seconds)} s to run`,
  );
}

export async function runNoiseBench(): Promise<Record<string, Figures>> {
  const seed = Number(process.env['NOISE_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  console.log(
    `\n## noise — ${SERVICES} services failing 0.5–10 % of checks at random (${QUIET_SERVICES} at ≤ 5 %), ` +
      `${CONTROLS} control targets, ${OUTAGES} outages, real DetectionEngine + SQLite store (temp file), ` +
      `simulated clock; seed ${seed} (NOISE_SEED=${seed} to replay)`,
  );
  const random = prng(seed);
  const rates = Array.from({ length: SERVICES }, (_, i) =>
    i < QUIET_SERVICES ? 0.005 + random() * 0.045 : 0.05 + random() * 0.05,
  );
  const start = Date.UTC(2026, 0, 5, 0, 0, 0);
  const out: Record<string, Figures> = {};
  for (const c of CASES) {
    const outages = injectOutages(c, random, start);
    console.log(
      `- ${c.name}, timeout ${c.timeoutMs} ms, ${c.durationMs / MINUTE} min simulated, ` +
        `${outages.length} outages of ${c.outageMs[0] / MINUTE}–${c.outageMs[1] / MINUTE} min:`,
    );
    const now = await simulate(c, false, rates, outages, seed, start);
    report('learned + re-checks', c, now);
    const old = await simulate(c, true, rates, outages, seed, start);
    report('fixed confirm {down: 2} (old)', c, old);
    out[`${c.intervalMs}-learned`] = now;
    out[`${c.intervalMs}-fixed`] = old;
    console.log(
      `  messages per chat (new / edits): ${now.newMessages} / ${now.edits} now, ` +
        `${old.newMessages} / ${old.edits} old`,
    );
    await Promise.resolve();
  }
  runBudgetSimulation(seed);
  return out;
}

/** Cadences of the long single-monitor simulation, and how many checks each simulates. */
const BUDGET_CASES: readonly (Cadence & { readonly checks: number })[] = [
  { intervalMs: 60_000, timeoutMs: 10_000, checks: 4_000_000 },
  { intervalMs: 60_000, timeoutMs: 30_000, checks: 4_000_000 },
  { intervalMs: 10_000, timeoutMs: 10_000, checks: 4_000_000 },
  { intervalMs: 1000, timeoutMs: 800, checks: 40_000_000 },
  { intervalMs: 1000, timeoutMs: 10_000, checks: 20_000_000 },
];
const BUDGET_NOISE = 0.05;

/**
 * One monitor failing BUDGET_NOISE of its checks at random (a fifth by timing out), its rate
 * learned already, checked on its grid with re-checks by the scheduler's rules, stepped through
 * `stepMonitor`. Each confirmed down is a false alarm (the monitor is then put back up).
 */
function budgetRun(
  c: Cadence,
  checks: number,
  random: () => number,
): { alarms: number; simulatedMs: number; needed: number } {
  const background = { checks: BACKGROUND_MEMORY, failures: BACKGROUND_MEMORY * BUDGET_NOISE };
  let record: MonitorRecord = {
    state: 'up',
    since: 0,
    pending: null,
    changes: [],
    flapping: false,
    reason: 'ok',
    message: '',
    background,
  };
  const confirm = { down: 'auto', up: 2 } as const;
  const flap = { changes: Number.MAX_SAFE_INTEGER, windowMs: 1 };
  let alarms = 0;
  let nextRegular = 0;
  let recheckAt = Number.POSITIVE_INFINITY;
  let t = 0;
  for (let n = 0; n < checks; n++) {
    const recheck = recheckAt < nextRegular;
    const start = recheck ? recheckAt : nextRegular;
    if (recheck) recheckAt = Number.POSITIVE_INFINITY;
    const fail = random() < BUDGET_NOISE;
    const timedOut = fail && random() < TIMEOUT_SHARE;
    t = start + (timedOut ? c.timeoutMs : fail ? 100 : 50);
    // Slots that fall while the check runs are skipped.
    nextRegular = (Math.floor(Math.max(t, start) / c.intervalMs) + 1) * c.intervalMs;
    const outcome = fail
      ? ({ status: 'down', reason: timedOut ? 'timeout' : 'http-status', message: '' } as const)
      : ({ status: 'up', reason: 'ok', message: '' } as const);
    const step = stepMonitor(record, outcome, t, confirm, flap, c);
    record = step.record;
    if (step.events.some((e) => e.kind === 'changed')) {
      alarms++;
      record = { ...record, state: 'up', pending: null, changes: [] };
      continue;
    }
    const streak = record.pending && record.pending.status !== 'up' ? record.pending.count : 0;
    const delay = fail ? recheckDelayMs(streak, c.intervalMs, timedOut) : null;
    if (delay !== null && recheckFits(t + delay, c.timeoutMs, nextRegular)) recheckAt = t + delay;
  }
  return { alarms, simulatedMs: t, needed: downConfirmation(background, c.intervalMs).needed };
}

function runBudgetSimulation(seed: number): void {
  console.log(
    `\n## noise budget — one monitor failing ${BUDGET_NOISE * 100} % of checks (a fifth timing out), ` +
      `learned rate, re-checks by the scheduler's rules; false alarms per 90 days (budget ${FALSE_ALARM_BUDGET})`,
  );
  for (const c of BUDGET_CASES) {
    const began = performance.now();
    const { alarms, simulatedMs, needed } = budgetRun(c, c.checks, prng(seed ^ c.intervalMs ^ c.timeoutMs));
    const periods = simulatedMs / BUDGET_PERIOD_MS;
    const rate = alarms / periods;
    // With no alarm at all, the one-sided 95 % bound of a Poisson count is 3.
    const bound = alarms === 0 ? ` (95 % bound ${fmt(3 / periods, 2)})` : '';
    console.log(
      `- every ${c.intervalMs / 1000} s, timeout ${c.timeoutMs / 1000} s: k = ${needed}` +
        `${targetMet(needed, c) ? '' : ' (slower than the detection target)'}, ` +
        `${alarms} false alarms in ${fmt(periods, 1)} × 90 days = ${fmt(rate, 2)} per 90 days${bound} ` +
        `(model M·p^k at the true rate: ${fmt(checksPerBudgetPeriod(c.intervalMs) * BUDGET_NOISE ** needed, 2)}); ` +
        `${fmt((performance.now() - began) / 1000)} s to run`,
    );
  }
}
