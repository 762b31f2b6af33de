/**
 * The JSON API's shapes. The server builds responses typed by these schemas and the
 * tests parse responses with them, so the documented shape and the served shape cannot drift.
 */
import { z } from 'zod';
import { NOTE_MARKS } from '../core/incident-notes.js';
import { EXPECTED_KINDS, OUTCOME_REASONS, SEVERITIES, STATES } from '../core/model.js';

const isoTime = z.iso.datetime();

export const incidentRefSchema = z.object({
  id: z.number().int(),
  severity: z.enum(SEVERITIES),
  startedAt: isoTime,
});

/**
 * Whether the bot can see at all: not ok while its own network looks broken (the vantage guard,
 * docs/design.md §3), when every status it shows is stale.
 */
export const vantageSchema = z.object({
  ok: z.boolean(),
  /** Why not, when not: `own network looks broken: 3/4 control targets failing`, … */
  reason: z.string().optional(),
  /** Since when, when not. */
  since: isoTime.optional(),
});

export const serviceSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(STATES),
  since: isoTime,
  /** Why `unknown` while the engine says otherwise: our own network looks broken. */
  reason: z.string().optional(),
  /**
   * True while a monitor of the service keeps changing state (flapping): the status is `degraded`
   * and the evidence says `unstable`. Absent otherwise.
   */
  unstable: z.literal(true).optional(),
  /**
   * A maintenance window of the services file in progress (status `maintenance`): since, until
   * (windows that overlap or touch count as one) and the operator's reason. Absent otherwise, also
   * while an official source says maintenance.
   */
  maintenance: z.object({ since: isoTime, until: isoTime, reason: z.string().optional() }).optional(),
  incident: incidentRefSchema.optional(),
});
export const serviceListSchema = z.object({
  vantage: vantageSchema,
  services: z.array(serviceSummarySchema),
});

/** A probe's facts (`OutcomeFacts`): what it observed as data, beside its English message. */
export const outcomeFactsSchema = z.object({
  statusCode: z.number().int().optional(),
  timeoutMs: z.number().optional(),
  bytes: z.number().optional(),
  maxRedirects: z.number().int().optional(),
  daysLeft: z.number().int().optional(),
  certExpiresAt: z.number().optional(),
  silentMs: z.number().optional(),
  errorCode: z.string().optional(),
  expected: z.object({ kind: z.enum(EXPECTED_KINDS), value: z.string() }).optional(),
  vantages: z.object({ down: z.number().int(), of: z.number().int() }).optional(),
});

export const evidenceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('probe'),
    monitorId: z.string(),
    target: z.string(),
    state: z.enum(STATES),
    reason: z.enum(OUTCOME_REASONS),
    message: z.string(),
    facts: outcomeFactsSchema.optional(),
  }),
  z.object({
    kind: z.literal('official'),
    monitorId: z.string(),
    state: z.enum(STATES),
    lines: z.array(z.string()).readonly(),
  }),
  z.object({
    kind: z.literal('unstable'),
    monitorId: z.string(),
    target: z.string(),
    changes: z.number(),
    windowMs: z.number(),
  }),
  z.object({
    kind: z.literal('crowd'),
    level: z.enum(['none', 'possible', 'detected']),
    reporters: z.number(),
    topProblem: z.object({ kind: z.string(), share: z.number() }).optional(),
  }),
]);

export const incidentSchema = z.object({
  id: z.number().int(),
  serviceId: z.string(),
  serviceName: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(STATES),
  startedAt: isoTime,
  updatedAt: isoTime,
  resolvedAt: isoTime.nullable(),
  durationMs: z.number().int().nullable(),
  evidence: z.array(evidenceSchema),
  /** `/note`s on the incident, oldest first: the author's plain text; a mark is their word only. */
  notes: z
    .array(
      z.object({
        at: isoTime,
        author: z.string(),
        mark: z.enum(NOTE_MARKS).nullable(),
        text: z.string(),
      }),
    )
    .optional(),
});
export const incidentListSchema = z.array(incidentSchema);

export const monitorDetailSchema = z.object({
  id: z.string(),
  type: z.string(),
  target: z.string(),
  state: z.enum(STATES),
  since: isoTime,
  flapping: z.boolean(),
  lastCheck: z
    .object({
      status: z.enum(STATES),
      reason: z.enum(OUTCOME_REASONS),
      message: z.string(),
      latencyMs: z.number().nullable(),
      at: isoTime,
    })
    .nullable(),
  /**
   * Consecutive failures that confirm an outage of this monitor now (docs/detection.md): learned
   * from its failure rate, or fixed by the services file. `failureRate` is the learned rate (0–1),
   * `failureRateBound` its upper confidence bound, which the count is chosen for.
   * `budgetMet: false` says the monitor is so noisy that even the cap of 10 cannot keep it within
   * one false alarm per 90 days; `targetMet: false` that its cadence cannot fit that many failures
   * within two intervals plus 30 s, so an outage is confirmed later (never on fewer).
   */
  confirmDown: z.object({
    needed: z.int(),
    learned: z.boolean(),
    failureRate: z.number(),
    failureRateBound: z.number(),
    budgetMet: z.boolean(),
    targetMet: z.boolean(),
  }),
});

/**
 * A service's record over the last `days` days (7, 30 and 90 in `GET /api/services/:id`), from the
 * hourly roll-ups of its probe monitors plus the current hour's raw checks. `uptime` is the share
 * of checks that did not fail (0–1; degraded counts as up), null with no checks.
 * `p95OfHourlyP95Ms` is the 95th percentile of the hourly p95 response times (each hour of each
 * probe counts once): the roll-ups keep each hour's p95, not its latencies, so it is not the p95 of
 * every check in the period, and is named for what it is. Null when no latency was measured.
 */
export const uptimeWindowSchema = z.object({
  days: z.int().min(1),
  checks: z.int().min(0),
  failures: z.int().min(0),
  uptime: z.number().min(0).max(1).nullable(),
  p95OfHourlyP95Ms: z.number().min(0).nullable(),
});

export const serviceDetailSchema = serviceSummarySchema.extend({
  group: z.string().nullable(),
  evidence: z.array(evidenceSchema),
  monitors: z.array(monitorDetailSchema),
  incidents: z.array(incidentSchema),
  /** The last 7, 30 and 90 days, in that order (empty where no check history is kept). */
  uptime: z.array(uptimeWindowSchema),
});

export const incidentQuerySchema = z.strictObject({
  service: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
    .optional(),
  state: z.enum(['open', 'resolved']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: isoTime.optional(),
});

export const healthSchema = z.object({
  ok: z.boolean(),
  scheduler: z.object({ ticking: z.boolean(), lastTick: isoTime.nullable() }),
  database: z.object({
    writable: z.boolean(),
    /** Why not, when not: `disk full`, `read-only`, `I/O error`, … */
    reason: z.string().optional(),
    /** Since when writes have been failing (absent when the write probe is what failed). */
    since: isoTime.optional(),
  }),
  platforms: z.record(z.string(), z.object({ connected: z.boolean() })),
  vantage: vantageSchema,
  /** Several instances on PostgreSQL (docs/cluster.md): absent when alone on SQLite. */
  cluster: z
    .object({
      instanceId: z.string(),
      vantage: z.string(),
      /** The last heartbeat and lease round worked. */
      ok: z.boolean(),
      members: z.array(z.object({ instanceId: z.string(), vantage: z.string(), heartbeatAgeMs: z.number() })),
      /** What this instance owns now: services (a count), platforms it leads, gateway shards. */
      owned: z.object({ services: z.number(), platforms: z.array(z.string()), shards: z.array(z.string()) }),
      /** Since the last successful round, ms. */
      lagMs: z.number(),
      lastError: z.string().nullable(),
    })
    .optional(),
});

export type ClusterHealth = NonNullable<z.infer<typeof healthSchema>['cluster']>;

export type ServiceSummary = z.infer<typeof serviceSummarySchema>;
export type ServiceList = z.infer<typeof serviceListSchema>;
export type Vantage = z.infer<typeof vantageSchema>;
export type ServiceDetail = z.infer<typeof serviceDetailSchema>;
export type UptimeWindowJson = z.infer<typeof uptimeWindowSchema>;
export type IncidentJson = z.infer<typeof incidentSchema>;
export type Health = z.infer<typeof healthSchema>;
