import { Readable } from 'node:stream';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Awaitable } from '../core/awaitable.js';
import type { Clock, ProbeOutcome, State } from '../core/model.js';
import { STATES } from '../core/model.js';
import type { OutboxDepth } from './outbox-gauges.js';

/** Check latency buckets in seconds, from a local answer to a slow remote one. */
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Check start lateness buckets in seconds; 1 s is the on-time bound of the scale target. */
const LATENESS_BUCKETS_S = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the scrape reads at collection time: live state, not counters. */
export interface MetricsSources {
  readonly clock: Clock;
  serviceStates(): readonly { readonly id: string; readonly status: State }[];
  openIncidents(): Awaitable<number>;
  /** Read from the database at each scrape (awaited: a networked store answers asynchronously). */
  outbox(): Awaitable<readonly OutboxDepth[]>;
  /** Whether our own network looks fine (the vantage guard); false while it looks broken. */
  vantageOk?(): boolean;
  /** Whether the database takes writes, and what waits in memory until it does. */
  storage?(): StorageFigures;
  /** Several instances (PostgreSQL): this instance's membership and leases; null when alone. */
  cluster?(): ClusterFigures | null;
}

/** What `/metrics` shows of the cluster (docs/cluster.md). */
export interface ClusterFigures {
  /** Whether the last heartbeat and lease round worked. */
  readonly ok: boolean;
  /** Live members, this one included. */
  readonly members: number;
  /** Leases held, by kind (`service`, `platform`, `shard`). */
  readonly held: Readonly<Record<string, number>>;
  /** The platforms this instance leads (sends and receives for). */
  readonly leading: readonly string[];
  /** Since the last successful round, ms. */
  readonly lagMs: number;
}

export interface StorageFigures {
  readonly writable: boolean;
  readonly detection: {
    readonly checks: number;
    readonly incidents: number;
    readonly droppedChecks: number;
    readonly droppedIncidents: number;
  };
  readonly outbox: { readonly rows: number; readonly settlements: number };
}

const SERVICE_STATE_NAME = 'incident_bot_service_state';
const SERVICE_STATE_HELP = 'Current state of each service: 1 for its state, 0 for the others.';

const NEEDS_ESCAPE = /[\\\n"]/;

/** A label value as the Prometheus text format writes it (backslash, line feed and quote escaped). */
function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** The end of a series line for each state, when it is the service's state and when it is not. */
const STATE_IS = STATES.map((state) => `${state}"} 1\n`);
const STATE_IS_NOT = STATES.map((state) => `${state}"} 0\n`);

/** Services per chunk of the streamed family: about 75 KB of text. */
const SERVICES_PER_CHUNK = 250;

/**
 * The gauge family `incident_bot_service_state` in the Prometheus text format (0.0.4), in chunks of
 * SERVICES_PER_CHUNK services, the last ending with a line feed: for each service one series per
 * state, 1 for its state and 0 for the others, exactly as a prom-client Gauge set in that order
 * prints them. Written here rather than by a prom-client Gauge because there are five series per
 * service: at 10,000 services the Gauge's reset and 50,000 `set` calls, then its line formatting,
 * took about half a second of CPU and 50 MB of short-lived memory per scrape (the process's peak
 * RSS); in chunks, the 3 MB of text is never held at once either.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export function* serviceStateChunks(
  states: readonly { readonly id: string; readonly status: State }[],
): Generator<string, void, undefined> {
  let text = `# HELP ${SERVICE_STATE_NAME} ${SERVICE_STATE_HELP}\n# TYPE ${SERVICE_STATE_NAME} gauge\n`;
  let services = 0;
  for (const s of states) {
    const series = `${SERVICE_STATE_NAME}{service="${escapeLabelValue(s.id)}",state="`;
    STATES.forEach((state, i) => {
      text += series + (s.status === state ? STATE_IS[i] : STATE_IS_NOT[i]);
    });
    if (++services % SERVICES_PER_CHUNK === 0) {
      yield text;
      text = '';
    }
  }
  if (text !== '') yield text;
}

/** `serviceStateChunks` as one string. */
export function serviceStateText(states: readonly { readonly id: string; readonly status: State }[]): string {
  return [...serviceStateChunks(states)].join('');
}

/** The whole exposition: prom-client's families, then the per-service states. */
function* exposition(
  families: string,
  states: readonly { readonly id: string; readonly status: State }[],
): Generator<string, void, undefined> {
  yield `${families}\n`;
  yield* serviceStateChunks(states);
}

/** Outcomes a delivery attempt ends in, as the adapters classify them. */
export const DELIVERY_OUTCOMES = [
  'sent',
  'transient',
  'rate-limited',
  'chat-moved',
  'permanent',
  'rejected',
] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/**
 * The process's Prometheus metrics on its own registry (never prom-client's global one, so two
 * apps in one test process do not collide). Counters are bumped through the `record*` methods by
 * whoever observes the event; gauges are read from `MetricsSources` at scrape time.
 */
export class AppMetrics {
  /** Every family but the per-service states, which `scrape` appends (see `serviceStateText`). */
  readonly registry = new Registry();
  private readonly sources: MetricsSources;
  private readonly checks;
  private readonly checkLatency;
  private readonly checkLateness;
  private readonly deliveries;
  private readonly rateLimitWaits;
  private readonly rateLimitWaitSeconds;
  private readonly reports;

  constructor(sources: MetricsSources) {
    this.sources = sources;
    const registers = [this.registry];
    // Node's own figures: RSS, heap, GC, and event-loop delay (min/mean/p50/p90/p99/max since the
    // previous scrape, sampled every 10 ms).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    this.checks = new Counter({
      name: 'incident_bot_checks_total',
      help: 'Checks run, by probe type and raw outcome.',
      labelNames: ['type', 'outcome'] as const,
      registers,
    });
    this.checkLatency = new Histogram({
      name: 'incident_bot_check_latency_seconds',
      help: 'Time to the answer that decided a check, by probe type (checks without an answer are not observed).',
      labelNames: ['type'] as const,
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.checkLateness = new Histogram({
      name: 'incident_bot_check_start_lateness_seconds',
      help: 'How long after its slot each check started (le="1" over the count: the share started within 1 s).',
      buckets: LATENESS_BUCKETS_S,
      registers,
    });
    this.deliveries = new Counter({
      name: 'incident_bot_deliveries_total',
      help: 'Delivery attempts, by platform and outcome.',
      labelNames: ['platform', 'outcome'] as const,
      registers,
    });
    this.rateLimitWaits = new Counter({
      name: 'incident_bot_rate_limit_waits_total',
      help: 'Times a delivery waited for a rate limit (ours or the platform retry_after), by platform.',
      labelNames: ['platform'] as const,
      registers,
    });
    this.rateLimitWaitSeconds = new Counter({
      name: 'incident_bot_rate_limit_wait_seconds_total',
      help: 'Total time deliveries waited for rate limits, by platform.',
      labelNames: ['platform'] as const,
      registers,
    });
    this.reports = new Counter({
      name: 'incident_bot_reports_received_total',
      help: 'Crowd reports received, by service and whether they counted.',
      labelNames: ['service', 'outcome'] as const,
      registers,
    });
    const storage = sources.storage?.bind(sources);
    if (storage) {
      new Gauge({
        name: 'incident_bot_database_writable',
        help: 'Whether the database takes writes (0: disk full, read-only or failing; writes wait in memory).',
        registers,
        collect() {
          this.set(storage().writable ? 1 : 0);
        },
      });
      new Gauge({
        name: 'incident_bot_storage_backlog',
        help: 'Writes waiting in memory for the database, by kind (checks, incidents, outbox rows, settlements).',
        labelNames: ['kind'] as const,
        registers,
        collect() {
          const s = storage();
          this.set({ kind: 'checks' }, s.detection.checks);
          this.set({ kind: 'incidents' }, s.detection.incidents);
          this.set({ kind: 'outbox' }, s.outbox.rows);
          this.set({ kind: 'settlements' }, s.outbox.settlements);
        },
      });
      // Counted by the detection store; copied at scrape time.
      new Counter({
        name: 'incident_bot_storage_dropped_commits_total',
        help: 'Commits dropped from the in-memory backlog because it was full (storage failing), by kind.',
        labelNames: ['kind'] as const,
        registers,
        collect() {
          const s = storage();
          this.reset();
          this.inc({ kind: 'checks' }, s.detection.droppedChecks);
          this.inc({ kind: 'incidents' }, s.detection.droppedIncidents);
        },
      });
    }
    const cluster = sources.cluster?.bind(sources);
    if (cluster) {
      new Gauge({
        name: 'incident_bot_cluster_ok',
        help: 'Whether this instance heartbeats and renews its leases (0: PostgreSQL unreachable from here).',
        registers,
        collect() {
          const c = cluster();
          if (c) this.set(c.ok ? 1 : 0);
        },
      });
      new Gauge({
        name: 'incident_bot_cluster_members',
        help: 'Live instances in the cluster, this one included.',
        registers,
        collect() {
          const c = cluster();
          if (c) this.set(c.members);
        },
      });
      new Gauge({
        name: 'incident_bot_cluster_leases',
        help: 'Leases this instance holds, by kind (service, platform, shard).',
        labelNames: ['kind'] as const,
        registers,
        collect() {
          const c = cluster();
          this.reset();
          if (c) for (const [kind, n] of Object.entries(c.held)) this.set({ kind }, n);
        },
      });
      new Gauge({
        name: 'incident_bot_cluster_leader',
        help: 'Platforms this instance leads (sends the outbox of, receives the updates of): 1 each.',
        labelNames: ['platform'] as const,
        registers,
        collect() {
          const c = cluster();
          this.reset();
          if (c) for (const platform of c.leading) this.set({ platform }, 1);
        },
      });
      new Gauge({
        name: 'incident_bot_cluster_lag_seconds',
        help: 'Time since this instance last heartbeated and renewed its leases.',
        registers,
        collect() {
          const c = cluster();
          if (c) this.set(c.lagMs / 1000);
        },
      });
    }
    const vantageOk = sources.vantageOk?.bind(sources);
    if (vantageOk) {
      new Gauge({
        name: 'incident_bot_vantage_ok',
        help: 'Whether our own network looks fine (0: control targets or most services failing at once; statuses are not current).',
        registers,
        collect() {
          this.set(vantageOk() ? 1 : 0);
        },
      });
    }
    new Gauge({
      name: 'incident_bot_open_incidents',
      help: 'Incidents open now.',
      registers,
      async collect() {
        this.set(await sources.openIncidents());
      },
    });
    // The outbox is read from the database: when that fails (PostgreSQL away) its gauges have no
    // series, and the scrape still answers, with incident_bot_database_writable 0 saying why.
    const outboxOrNone = async (): Promise<readonly OutboxDepth[]> => {
      try {
        return await sources.outbox();
      } catch {
        return [];
      }
    };
    new Gauge({
      name: 'incident_bot_outbox_pending',
      help: 'Outbox rows waiting to be delivered (pending or leased), by platform.',
      labelNames: ['platform'] as const,
      registers,
      async collect() {
        const depth = await outboxOrNone();
        this.reset();
        for (const o of depth) this.set({ platform: o.platform }, o.pending);
      },
    });
    new Gauge({
      name: 'incident_bot_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest outbox row waiting to be delivered, by platform (0 with none).',
      labelNames: ['platform'] as const,
      registers,
      async collect() {
        const depth = await outboxOrNone();
        this.reset();
        const now = sources.clock.now();
        for (const o of depth) {
          this.set(
            { platform: o.platform },
            o.oldestCreatedAt === null ? 0 : (now - o.oldestCreatedAt) / 1000,
          );
        }
      },
    });
  }

  /** One finished check (the scheduler's `onResult`). */
  recordCheck(type: string, outcome: Pick<ProbeOutcome, 'status' | 'latencyMs'>): void {
    this.checks.inc({ type, outcome: outcome.status });
    if (outcome.latencyMs !== null) this.checkLatency.observe({ type }, outcome.latencyMs / 1000);
  }

  /** One check started (the scheduler's `onStart`): `slot` is when it was due, both in epoch ms. */
  recordCheckStart(slot: number, startedAt: number): void {
    this.checkLateness.observe(Math.max(0, startedAt - slot) / 1000);
  }

  /** One delivery attempt's outcome (the outbox worker or a sender calls it). */
  recordDelivery(platform: string, outcome: DeliveryOutcome): void {
    this.deliveries.inc({ platform, outcome });
  }

  /** A wait for a rate limit before a delivery. */
  recordRateLimitWait(platform: string, waitMs: number): void {
    this.rateLimitWaits.inc({ platform });
    this.rateLimitWaitSeconds.inc({ platform }, Math.max(0, waitMs) / 1000);
  }

  /** A crowd report received; `outcome` is what the report store said (counted, duplicate, …). */
  recordReport(serviceId: string, outcome: string): void {
    this.reports.inc({ service: serviceId, outcome });
  }

  /**
   * The exposition text and its content type, for `GET /metrics`. The text is streamed: the
   * per-service states (3 MB at 10,000 services) are written a chunk at a time as the response
   * takes them, from the states read when the scrape began.
   */
  async scrape(): Promise<{ contentType: string; body: Readable }> {
    const families = await this.registry.metrics();
    const body = Readable.from(exposition(families, this.sources.serviceStates()));
    return { contentType: this.registry.contentType, body };
  }
}
