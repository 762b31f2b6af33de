import type pg from 'pg';
import type { Catalog, MonitorDef, ServiceDef } from '../../core/catalog.js';
import type {
  DetectionCommit,
  DetectionSnapshot,
  DetectionStore,
  ServiceState,
} from '../../core/detection/engine.js';
import { type IncidentView, severityOf } from '../../core/detection/incident-policy.js';
import type { MonitorRecord } from '../../core/detection/monitor-state.js';
import type { Evidence } from '../../core/detection/service-status.js';
import type { IncidentEvent } from '../../core/events.js';
import type { Severity, State } from '../../core/model.js';
import type { Logger } from '../../logging.js';
import { encodeCheck, hourOf } from '../check-encoding.js';
import {
  type DetectionBacklogFigures,
  type IncidentHook,
  openIncidentParams,
} from '../sqlite-detection-store.js';
import { fenceLeases } from './cluster-store.js';
import { CommitQueue } from './commit-queue.js';
import { MARK_BOARDS_PG_SQL } from './postgres-board-store.js';
import { type FanOutOptions, enqueueIncidentEventIn } from './outbox-fanout.js';
import { IdReserve, advanceSequenceSql, errorMessage } from './id-blocks.js';

export interface PostgresDetectionStoreOptions {
  /**
   * The outbox fan-out's options: each incident change's outbox rows are written in its batch's
   * transaction (`enqueueIncidentEventIn`), so the change and its rows commit together or not at
   * all. `false`: no fan-out (a store whose incidents nobody is told about).
   */
  readonly outbox?: FanOutOptions | false;
  /** How long a commit waits for company before its batch is written (WRITE_BEHIND_MS). */
  readonly batchMs?: number;
  /** This many waiting commits are written at once, whatever the time; the most in one transaction. */
  readonly maxBatch?: number;
  /** Most check-only commits kept while the database is slow or away; past it the oldest are dropped. */
  readonly maxBacklogChecks?: number;
  /** Incident ids reserved ahead (see IdReserve). */
  readonly idReserve?: number;
  /** Retry backoff of a failed batch. */
  readonly minRetryMs?: number;
  readonly maxRetryMs?: number;
  readonly now?: () => number;
  readonly log?: Logger;
}

/**
 * Several instances (docs/cluster.md): a change is written only while this instance still holds
 * the lease of its service, with the epoch it held when the change was made. The check runs in
 * the batch's transaction (`fenceLeases`), so a change made by a former owner is never written.
 */
export interface DetectionFence {
  readonly owner: string;
  /** The epoch of this instance's lease on the service now, or undefined when it holds none. */
  epochOf(serviceId: string): number | undefined;
}

/** Told after each batch with incident or service-state changes: the other instances read them again. */
export const DETECTION_CHANNEL = 'incident_bot_detection';
/** Told after each batch that wrote outbox rows: the instance sending them wakes at once. */
export const OUTBOX_CHANNEL = 'incident_bot_outbox';
/** A NOTIFY payload is at most 8,000 bytes: longer lists of services say "all" (`*`). */
const MAX_NOTIFY_PAYLOAD = 7_000;

/** What `/healthz` and `/metrics` show of the detection writes on PostgreSQL. */
export interface DetectionWriteHealth {
  /** The last batch committed (or none failed yet); false while the database is slow or away. */
  readonly ok: boolean;
  /** When `ok` last changed. */
  readonly since: number;
  readonly lastError: string | null;
  /** Commits and closes not written yet. */
  readonly queuedChanges: number;
  /** Of those, check-only commits (the ones that may be dropped). */
  readonly queuedChecks: number;
  /** Check-only commits dropped since start because too many waited. */
  readonly droppedChecks: number;
  /** Incident ids still reserved, and how many were handed out past the reserve. */
  readonly reservedIds: number;
  readonly idsBeyondReserve: number;
}

/** As WRITE_BEHIND_MS: ~35 checks per transaction at 10,000 monitors a minute. */
export const BATCH_MS = 200;
/** As the SQLite store's held-commit bound: bounds a transaction's size and lock time. */
export const MAX_BATCH = 1000;
/** As MAX_BACKLOG_CHECKS: about 2 minutes of checks at 10,000 monitors a minute. */
export const MAX_QUEUED_CHECKS = 20_000;
/** The `meta` row marking the last committed batch (see CommitQueueOptions.markerKey). */
const MARKER_KEY = 'detection_store_last_batch';

type Entry =
  | {
      readonly kind: 'commit';
      readonly change: DetectionCommit;
      readonly incidentId: number | null;
      /** The incident change as the outbox and the hooks are told it (a recovery with its worst). */
      readonly told: IncidentEvent | null;
      /** The new incident's id came past the reserve: the sequence is moved past it. */
      readonly beyondSequence: boolean;
      /** The service the change is about (null: a control target's check). */
      readonly serviceId: string | null;
      /** The lease epoch held on it when the change was made (fenced writes only). */
      readonly epoch: number | undefined;
    }
  | { readonly kind: 'close'; readonly incidentId: number; readonly at: number }
  | { readonly kind: 'monitors'; readonly monitors: readonly MonitorDef[] };

/** An incident as the store keeps it in memory: what its row says and its current outage's worst. */
interface KeptIncident {
  readonly id: number;
  readonly serviceId: string;
  /** The severity column: the worst the incident ever reached. */
  worst: Severity;
  status: string;
  readonly startedAt: number;
  resolvedAt: number | null;
  reopenedAt: number | null;
  evidenceKey: string;
  /** The worst severity since the incident's latest opening (told with its recovery). */
  outageWorst: Severity | null;
}

interface IncidentRow {
  id: number;
  service_id: string;
  severity: Severity;
  status: string;
  started_at: number;
  resolved_at: number | null;
  evidence_key: string;
  reopened_at: number | null;
  outage_worst: number | null;
}

interface MonitorRow {
  ref: number;
  id: string;
  service_id: string | null;
  type: string;
  target: string;
}

const worse = (a: Severity | null, b: Severity): Severity =>
  a === 'major' || b === 'major' ? 'major' : 'minor';

function view(i: KeptIncident, open: boolean): IncidentView {
  return {
    id: i.id,
    severity: severityOf(i.status as State) ?? i.worst,
    startedAt: i.startedAt,
    resolvedAt: i.resolvedAt,
    ...(open && i.reopenedAt !== null ? { reopenedAt: i.reopenedAt } : {}),
    evidenceKey: i.evidenceKey,
  };
}

function keptOf(r: IncidentRow): KeptIncident {
  return {
    id: Number(r.id),
    serviceId: r.service_id,
    worst: r.severity,
    status: r.status,
    startedAt: Number(r.started_at),
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    reopenedAt: r.reopened_at === null ? null : Number(r.reopened_at),
    evidenceKey: r.evidence_key,
    outageWorst: r.outage_worst === null ? null : r.outage_worst === 1 ? 'major' : 'minor',
  };
}

const UPSERT_MONITORS = `INSERT INTO monitors (id, service_id, type, target)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
  ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, type = excluded.type, target = excluded.target
  RETURNING ref, id`;
const SQL = {
  appendChunks: `INSERT INTO check_chunks (monitor_ref, hour, data)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])
    ON CONFLICT (monitor_ref, hour) DO UPDATE SET data = check_chunks.data || excluded.data`,
  failures: `INSERT INTO check_failures (monitor_ref, at, message)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])
    ON CONFLICT (monitor_ref, at) DO UPDATE SET message = excluded.message`,
  monitorState: `INSERT INTO monitor_state (monitor_ref, record_json, last_status, last_reason, last_message,
      last_latency_ms, last_at)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
    ON CONFLICT (monitor_ref) DO UPDATE SET record_json = excluded.record_json, last_status = excluded.last_status,
      last_reason = excluded.last_reason, last_message = excluded.last_message,
      last_latency_ms = excluded.last_latency_ms, last_at = excluded.last_at`,
  recordOnly: `UPDATE monitor_state s SET record_json = u.record
    FROM unnest($1::bigint[], $2::text[]) AS u(ref, record) WHERE s.monitor_ref = u.ref`,
  // Returns the services whose status or its start changed (or that had no row): the only changes
  // the live boards show. The SELECT reads the rows as they were before the INSERT (one snapshot).
  serviceState: `WITH input AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
        AS i(service_id, status, since, evidence_json)),
    written AS (
      INSERT INTO service_state (service_id, status, since, evidence_json) SELECT * FROM input
      ON CONFLICT (service_id) DO UPDATE SET status = excluded.status, since = excluded.since,
        evidence_json = excluded.evidence_json)
    SELECT i.service_id, i.since FROM input i LEFT JOIN service_state s ON s.service_id = i.service_id
    WHERE s.service_id IS NULL OR s.status <> i.status OR s.since <> i.since`,
  openIncident: `INSERT INTO incidents (id, service_id, severity, status, started_at, updated_at, evidence_key,
      evidence_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  // An incident keeps its worst severity (as in SQLite); the current state is in `status`.
  updateIncident: `UPDATE incidents SET severity = CASE WHEN severity = 'major' THEN 'major' ELSE $1 END,
      status = $2, updated_at = $3, resolved_at = NULL, evidence_key = $4, evidence_json = $5 WHERE id = $6`,
  resolveIncident: 'UPDATE incidents SET status = $1, updated_at = $2, resolved_at = $2 WHERE id = $3',
  closeIncident: `UPDATE incidents SET status = 'unknown', updated_at = $1, resolved_at = $1
    WHERE id = $2 AND resolved_at IS NULL`,
  event: 'INSERT INTO incident_events (incident_id, kind, at, payload_json) VALUES ($1, $2, $3, $4)',
  incidentExists: 'SELECT 1 FROM incidents WHERE id = $1',
} as const;

/** Open incidents, with when they were last reopened and their current outage's worst severity. */
const OPEN_INCIDENTS = `SELECT i.id, i.service_id, i.severity, i.status, i.started_at, i.resolved_at, i.evidence_key,
    (SELECT MAX(e.at) FROM incident_events e WHERE e.incident_id = i.id AND e.kind = 'reopened') AS reopened_at,
    (SELECT MAX(CASE WHEN e.payload_json::json->>'severity' = 'major' THEN 1 ELSE 0 END)
       FROM incident_events e WHERE e.incident_id = i.id AND e.kind <> 'resolved' AND e.id >= (
         SELECT MAX(o.id) FROM incident_events o WHERE o.incident_id = i.id
           AND o.kind IN ('opened', 'reopened'))) AS outage_worst
  FROM incidents i WHERE i.resolved_at IS NULL`;
/** Per service its two latest resolved incidents, oldest first. */
const LATEST_RESOLVED = `SELECT id, service_id, severity, status, started_at, resolved_at, evidence_key,
    NULL::bigint AS reopened_at, NULL::int AS outage_worst
  FROM (SELECT i.*, row_number() OVER (PARTITION BY service_id ORDER BY resolved_at DESC, id DESC) AS n
        FROM incidents i WHERE resolved_at IS NOT NULL) latest
  WHERE n <= 2 ORDER BY resolved_at, id`;

/**
 * The detection engine's store on PostgreSQL. The engine is synchronous and never waits on the
 * network: `open` reads everything `load` and `loadService` answer (every monitor's record, every
 * service's state, open incidents, the latest resolved ones) into memory, and `commit` updates that
 * copy, assigns a new incident's id from ids reserved ahead (IdReserve), and queues the change on
 * an ordered commit queue (CommitQueue): batches every `batchMs` (or at `maxBatch` commits), one
 * transaction per batch holding the check results, the monitor and service states, the incident
 * changes, their events and their outbox rows (`outbox`). A failed batch is retried, nothing after
 * it written before it; incident changes are never dropped, check results past `maxBacklogChecks`
 * are, oldest first. One process writes (the copy in memory is right because every change goes
 * through this store). Design: docs/postgres.md.
 */
export class PostgresDetectionStore implements DetectionStore {
  private readonly refs = new Map<string, number>();
  private readonly monitorRows = new Map<string, Omit<MonitorRow, 'ref'>>();
  private readonly records = new Map<string, MonitorRecord>();
  private readonly services = new Map<string, ServiceState>();
  /** Open incidents by service. */
  private readonly open = new Map<string, KeptIncident>();
  /** Per service its latest resolved incident and the one before (a reopen takes the latest back). */
  private readonly resolved = new Map<string, KeptIncident[]>();
  private readonly hooks: IncidentHook[] = [];
  private readonly queue: CommitQueue<Entry>;
  private readonly outbox: FanOutOptions | null;
  private readonly log: Logger | null;
  /** Refs of the runtime monitors registered by the batch being written; kept once it commits. */
  private batchRefs = new Map<string, number>();
  /** Entries of the batch being written that the fence kept out (a lease lost since). */
  private batchFenced = new Set<Entry>();
  private fence: DetectionFence | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly ids: IdReserve,
    options: PostgresDetectionStoreOptions,
  ) {
    this.outbox = options.outbox === false ? null : (options.outbox ?? {});
    this.log = options.log ?? null;
    this.queue = new CommitQueue<Entry>({
      pool,
      write: (client, batch) => this.writeBatch(client, batch),
      written: (batch) => this.batchWritten(batch),
      droppable: (e) => e.kind === 'commit' && e.change.incident === null,
      maxDroppable: options.maxBacklogChecks ?? MAX_QUEUED_CHECKS,
      batchMs: options.batchMs ?? BATCH_MS,
      maxBatch: options.maxBatch ?? MAX_BATCH,
      markerKey: MARKER_KEY,
      now: options.now ?? Date.now,
      what: 'detection writes',
      ...(options.minRetryMs !== undefined ? { minRetryMs: options.minRetryMs } : {}),
      ...(options.maxRetryMs !== undefined ? { maxRetryMs: options.maxRetryMs } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  /**
   * Registers the services file's monitors (their rows and refs), reads what the engine will ask
   * for into memory and reserves incident ids. Needs the database (throws when it cannot be read).
   */
  static async open(
    pool: pg.Pool,
    catalog: Catalog,
    options: PostgresDetectionStoreOptions = {},
  ): Promise<PostgresDetectionStore> {
    const ids = await IdReserve.open(pool, 'incidents', 'id', {
      ...(options.idReserve !== undefined ? { reserve: options.idReserve } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const store = new PostgresDetectionStore(pool, ids, options);
    await store.preload(catalog);
    return store;
  }

  /** Runs after an incident change is durable (its batch committed), in commit order. */
  addIncidentHook(hook: IncidentHook): void {
    this.hooks.push(hook);
  }

  /** From now on, writes only the changes of services whose lease this instance still holds. */
  fenceWith(fence: DetectionFence): void {
    this.fence = fence;
  }

  monitorRef(monitorId: string): number | undefined {
    return this.refs.get(monitorId);
  }

  load(): DetectionSnapshot {
    const openIncidents = new Map<string, IncidentView>();
    for (const [serviceId, i] of this.open) openIncidents.set(serviceId, view(i, true));
    const lastResolved = new Map<string, IncidentView>();
    for (const [serviceId, list] of this.resolved) {
      const latest = list.at(-1);
      if (latest) lastResolved.set(serviceId, view(latest, false));
    }
    return { monitors: new Map(this.records), services: new Map(this.services), openIncidents, lastResolved };
  }

  /**
   * Registers a runtime service's monitors (their rows are written through the queue, ahead of their
   * checks) and answers its stored state from memory.
   */
  loadService(service: ServiceDef, monitors: readonly MonitorDef[]): DetectionSnapshot {
    const changed = monitors.filter((m) => {
      const row = this.monitorRows.get(m.id);
      return !row || row.service_id !== m.serviceId || row.type !== m.type || row.target !== m.target;
    });
    if (changed.length > 0) {
      for (const m of changed)
        this.monitorRows.set(m.id, { id: m.id, service_id: m.serviceId, type: m.type, target: m.target });
      this.queue.push({ kind: 'monitors', monitors: changed });
    }
    const records = new Map<string, MonitorRecord>();
    for (const m of monitors) {
      const record = this.records.get(m.id);
      if (record) records.set(m.id, record);
    }
    const services = new Map<string, ServiceState>();
    const state = this.services.get(service.id);
    if (state) services.set(service.id, state);
    const openIncidents = new Map<string, IncidentView>();
    const open = this.open.get(service.id);
    if (open) openIncidents.set(service.id, view(open, true));
    const lastResolved = new Map<string, IncidentView>();
    const resolved = this.resolved.get(service.id)?.at(-1);
    if (resolved) lastResolved.set(service.id, view(resolved, false));
    return { monitors: records, services, openIncidents, lastResolved };
  }

  commit(change: DetectionCommit): { incidentId: number | null } {
    if (change.monitor) this.records.set(change.monitor.id, change.monitor.record);
    if (change.service) this.services.set(change.service.id, change.service.state);
    const serviceId =
      change.service?.id ??
      change.incident?.event.serviceId ??
      (change.monitor ? (this.monitorRows.get(change.monitor.id)?.service_id ?? null) : null);
    const epoch = serviceId === null ? undefined : this.fence?.epochOf(serviceId);
    if (change.incident === null) {
      this.queue.push({
        kind: 'commit',
        change,
        incidentId: null,
        told: null,
        beyondSequence: false,
        serviceId,
        epoch,
      });
      return { incidentId: null };
    }
    const { decision, event, evidenceKey } = change.incident;
    let incidentId: number;
    let beyondSequence = false;
    if (decision.kind === 'open') {
      const taken = this.ids.take();
      incidentId = taken.id;
      beyondSequence = taken.beyondSequence;
    } else {
      incidentId = decision.incidentId;
    }
    const full: IncidentEvent = { ...event, incidentId };
    const told = this.applyIncident(decision.kind, full, evidenceKey);
    this.queue.push({ kind: 'commit', change, incidentId, told, beyondSequence, serviceId, epoch });
    return { incidentId };
  }

  /**
   * Ends an open incident whose service is no longer monitored: status `unknown`, resolved now, a
   * `resolved` event in its log, nothing delivered (no fan-out, no hook).
   */
  closeIncident(incidentId: number, at: number): void {
    for (const [serviceId, i] of this.open) {
      if (i.id !== incidentId) continue;
      this.open.delete(serviceId);
      i.status = 'unknown';
      i.resolvedAt = at;
      this.pushResolved(i);
      break;
    }
    this.queue.push({ kind: 'close', incidentId, at });
  }

  /** Writes everything queued (at stop); waits for the database while it is away. */
  async flush(): Promise<void> {
    await this.queue.flush();
    await this.ids.settled();
  }

  /** Stops writing (after `flush`): what still waits is not written. */
  close(): void {
    this.queue.close();
  }

  /** The detection writes' health, for `/healthz` and `/metrics`. */
  writeHealth(): DetectionWriteHealth {
    const q = this.queue.health();
    return {
      ok: q.ok,
      since: q.since,
      lastError: q.lastError,
      queuedChanges: q.queued,
      queuedChecks: q.queuedDroppable,
      droppedChecks: q.dropped,
      reservedIds: this.ids.available(),
      idsBeyondReserve: this.ids.beyondCount(),
    };
  }

  /** What waits in memory, in the SQLite store's figures (`/metrics`); incidents are never dropped. */
  backlogFigures(): DetectionBacklogFigures {
    const q = this.queue.health();
    return {
      checks: q.queuedDroppable,
      incidents: q.queued - q.queuedDroppable,
      droppedChecks: q.dropped,
      droppedIncidents: 0,
    };
  }

  /** Batches committed since open (tests, metrics). */
  committedBatches(): number {
    return this.queue.committedBatches();
  }

  // --- In memory.

  /** Applies an incident change to the copy in memory; returns the event as it is told. */
  private applyIncident(
    kind: 'open' | 'reopen' | 'update' | 'resolve',
    event: IncidentEvent,
    evidenceKey: string,
  ): IncidentEvent {
    const serviceId = event.serviceId;
    if (kind === 'open') {
      this.open.set(serviceId, {
        id: event.incidentId,
        serviceId,
        worst: event.severity,
        status: event.status,
        startedAt: event.startedAt,
        resolvedAt: null,
        reopenedAt: null,
        evidenceKey,
        outageWorst: event.severity,
      });
      return event;
    }
    if (kind === 'resolve') {
      const i = this.open.get(serviceId);
      if (i?.id !== event.incidentId) return event;
      this.open.delete(serviceId);
      i.status = event.status;
      i.resolvedAt = event.at;
      this.pushResolved(i);
      return { ...event, worstSeverity: i.outageWorst ?? i.worst };
    }
    let i = this.open.get(serviceId);
    if (kind === 'reopen') {
      const list = this.resolved.get(serviceId) ?? [];
      const at = list.findIndex((r) => r.id === event.incidentId);
      if (at >= 0) {
        i = list[at];
        list.splice(at, 1);
        if (list.length === 0) this.resolved.delete(serviceId);
      }
    }
    if (i?.id !== event.incidentId) return event;
    i.worst = worse(i.worst, event.severity);
    i.status = event.status;
    i.resolvedAt = null;
    i.evidenceKey = evidenceKey;
    if (kind === 'reopen') {
      i.reopenedAt = event.at;
      i.outageWorst = event.severity;
    } else {
      i.outageWorst = worse(i.outageWorst, event.severity);
    }
    this.open.set(serviceId, i);
    return event;
  }

  private pushResolved(i: KeptIncident): void {
    const list = this.resolved.get(i.serviceId) ?? [];
    list.push(i);
    while (list.length > 2) list.shift();
    this.resolved.set(i.serviceId, list);
  }

  /**
   * Reads the stored state of these services again (every service for `'*'`) into memory: their
   * monitors' records, the service state, the open incident and the latest resolved ones. For a
   * service another instance owned until now (after what this instance queued is written), or one
   * another instance owns and changed (status replies here follow it). Answers when each of their
   * monitors was last checked.
   */
  async reload(serviceIds: readonly string[] | '*'): Promise<Map<string, number>> {
    const all = serviceIds === '*';
    const ids = all ? [] : [...serviceIds];
    if (!all && ids.length === 0) return new Map();
    const filter = (column: string) => (all ? 'TRUE' : `${column} = ANY($1::text[])`);
    const params = all ? [] : [ids];
    const [records, services, open, resolved] = await Promise.all([
      this.pool.query<{ id: string; record_json: string; last_at: number | null }>(
        `SELECT m.id, s.record_json, s.last_at FROM monitor_state s JOIN monitors m ON m.ref = s.monitor_ref
          WHERE ${filter('m.service_id')}`,
        params,
      ),
      this.pool.query<{ service_id: string; status: State; since: number; evidence_json: string }>(
        `SELECT service_id, status, since, evidence_json FROM service_state WHERE ${filter('service_id')}`,
        params,
      ),
      this.pool.query<IncidentRow>(`${OPEN_INCIDENTS} AND ${filter('i.service_id')} ORDER BY i.id`, params),
      this.pool.query<IncidentRow>(
        `${LATEST_RESOLVED.replace('WHERE resolved_at IS NOT NULL', `WHERE resolved_at IS NOT NULL AND ${filter('service_id')}`)}`,
        params,
      ),
    ]);
    const reloaded = all ? new Set([...this.services.keys(), ...this.open.keys()]) : new Set(ids);
    for (const r of records.rows) this.records.set(r.id, JSON.parse(r.record_json) as MonitorRecord);
    for (const id of reloaded) {
      this.services.delete(id);
      this.open.delete(id);
      this.resolved.delete(id);
    }
    for (const r of services.rows)
      this.services.set(r.service_id, {
        status: r.status,
        since: Number(r.since),
        evidence: JSON.parse(r.evidence_json) as Evidence[],
      });
    for (const r of open.rows) this.open.set(r.service_id, keptOf(r));
    for (const r of resolved.rows) this.pushResolved(keptOf(r));
    const lastChecked = new Map<string, number>();
    for (const r of records.rows) if (r.last_at !== null) lastChecked.set(r.id, Number(r.last_at));
    return lastChecked;
  }

  private async preload(catalog: Catalog): Promise<void> {
    const byId = new Map(catalog.monitors.map((m) => [m.id, m]));
    const defs = [...byId.values()];
    await this.pool.query(UPSERT_MONITORS, [
      defs.map((m) => m.id),
      defs.map((m) => m.serviceId),
      defs.map((m) => m.type),
      defs.map((m) => m.target),
    ]);
    const monitors = await this.pool.query<MonitorRow>(
      'SELECT ref, id, service_id, type, target FROM monitors',
    );
    for (const r of monitors.rows) {
      this.refs.set(r.id, Number(r.ref));
      this.monitorRows.set(r.id, { id: r.id, service_id: r.service_id, type: r.type, target: r.target });
    }
    const records = await this.pool.query<{ id: string; record_json: string }>(
      'SELECT m.id, s.record_json FROM monitor_state s JOIN monitors m ON m.ref = s.monitor_ref',
    );
    for (const r of records.rows) this.records.set(r.id, JSON.parse(r.record_json) as MonitorRecord);
    const services = await this.pool.query<{
      service_id: string;
      status: State;
      since: number;
      evidence_json: string;
    }>('SELECT service_id, status, since, evidence_json FROM service_state');
    for (const r of services.rows)
      this.services.set(r.service_id, {
        status: r.status,
        since: Number(r.since),
        evidence: JSON.parse(r.evidence_json) as Evidence[],
      });
    // Open incidents, with when they were last reopened and the worst severity of their current
    // outage: their events since the latest opening (1: major, 0: minor), as SQLite's outageWorst.
    const open = await this.pool.query<IncidentRow>(`${OPEN_INCIDENTS} ORDER BY i.id`);
    for (const r of open.rows) this.open.set(r.service_id, keptOf(r));
    const resolved = await this.pool.query<IncidentRow>(LATEST_RESOLVED);
    for (const r of resolved.rows) this.pushResolved(keptOf(r));
  }

  // --- Writing a batch (inside its transaction).

  private async writeBatch(client: pg.PoolClient, batch: readonly Entry[]): Promise<void> {
    this.batchFenced = await this.fenced(client, batch);
    if (this.batchFenced.size > 0) batch = batch.filter((e) => !this.batchFenced.has(e));
    // Monitor rows first: the checks below need their refs (known here before the batch commits).
    this.batchRefs = new Map();
    for (const entry of batch) {
      if (entry.kind !== 'monitors') continue;
      const rows = await client.query<{ ref: number; id: string }>(UPSERT_MONITORS, [
        entry.monitors.map((m) => m.id),
        entry.monitors.map((m) => m.serviceId),
        entry.monitors.map((m) => m.type),
        entry.monitors.map((m) => m.target),
      ]);
      for (const r of rows.rows) this.batchRefs.set(r.id, Number(r.ref));
    }
    // Incident changes, their events and outbox rows, in order.
    for (const entry of batch) {
      if (entry.kind === 'close') await this.writeClose(client, entry.incidentId, entry.at);
      else if (entry.kind === 'commit' && entry.incidentId !== null && entry.change.incident)
        await this.writeIncident(client, entry);
    }
    await this.writeChecks(client, batch);
    await this.notifyOthers(client, batch);
  }

  /** The commits of services whose lease this instance no longer holds (under that epoch). */
  private async fenced(client: pg.PoolClient, batch: readonly Entry[]): Promise<Set<Entry>> {
    const fence = this.fence;
    if (!fence) return new Set();
    const ids = new Set<string>();
    for (const e of batch) if (e.kind === 'commit' && e.serviceId !== null) ids.add(e.serviceId);
    if (ids.size === 0) return new Set();
    const held = await fenceLeases(client, 'service', [...ids], fence.owner);
    const out = new Set<Entry>();
    for (const e of batch)
      if (
        e.kind === 'commit' &&
        e.serviceId !== null &&
        (e.epoch === undefined || held.get(e.serviceId) !== e.epoch)
      )
        out.add(e);
    if (out.size > 0)
      this.log?.warn(
        { changes: out.size },
        'detection changes of services whose lease was lost not written (another instance owns them)',
      );
    return out;
  }

  /**
   * Tells the other instances (when there may be some: a fenced store) which services changed,
   * and the sending instance that outbox rows wait. Delivered at commit, in commit order.
   */
  private async notifyOthers(client: pg.PoolClient, batch: readonly Entry[]): Promise<void> {
    if (!this.fence) return;
    const changed = new Set<string>();
    let outbox = false;
    for (const e of batch) {
      if (e.kind !== 'commit') continue;
      if (e.change.service && e.serviceId !== null) changed.add(e.serviceId);
      if (e.change.incident && e.serviceId !== null) changed.add(e.serviceId);
      if (e.told !== null) outbox = true;
    }
    if (changed.size > 0) {
      let payload = [...changed].join('\n');
      if (payload.length > MAX_NOTIFY_PAYLOAD) payload = '*';
      await client.query('SELECT pg_notify($1, $2)', [DETECTION_CHANNEL, payload]);
    }
    if (outbox) await client.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
  }

  /**
   * The batch's check results, monitor and service states, in a few set-based statements: each
   * monitor's checks appended to its hour chunk in order, the latest state of each monitor and
   * service.
   */
  private async writeChecks(client: pg.PoolClient, batch: readonly Entry[]): Promise<void> {
    const chunks = new Map<string, { ref: number; hour: number; data: Buffer[] }>();
    const failures = new Map<string, [number, number, string]>();
    const states = new Map<number, [string, string, string, string, number | null, number]>();
    const records = new Map<number, string>();
    const services = new Map<string, ServiceState>();
    for (const entry of batch) {
      if (entry.kind !== 'commit') continue;
      const { result, monitor, service } = entry.change;
      if (service) services.set(service.id, service.state);
      const ref = monitor ? (this.batchRefs.get(monitor.id) ?? this.refs.get(monitor.id)) : undefined;
      if (!monitor || ref === undefined) continue;
      const record = JSON.stringify(monitor.record);
      if (!result) {
        const state = states.get(ref);
        if (state) state[0] = record;
        else records.set(ref, record);
        continue;
      }
      const hour = hourOf(result.at);
      const key = `${ref}:${hour}`;
      const chunk = chunks.get(key) ?? { ref, hour, data: [] };
      chunk.data.push(encodeCheck(result));
      chunks.set(key, chunk);
      if (result.status === 'down') failures.set(`${ref}:${result.at}`, [ref, result.at, result.message]);
      // The column is BIGINT: a fractional latency is stored rounded (SQLite keeps it as given).
      const latency = result.latencyMs === null ? null : Math.round(result.latencyMs);
      states.set(ref, [record, result.status, result.reason, result.message, latency, result.at]);
      records.delete(ref);
    }
    if (chunks.size > 0) {
      const list = [...chunks.values()];
      await client.query(SQL.appendChunks, [
        list.map((c) => c.ref),
        list.map((c) => c.hour),
        list.map((c) => Buffer.concat(c.data)),
      ]);
    }
    if (failures.size > 0) {
      const list = [...failures.values()];
      await client.query(SQL.failures, [list.map((f) => f[0]), list.map((f) => f[1]), list.map((f) => f[2])]);
    }
    if (states.size > 0) {
      const list = [...states];
      await client.query(SQL.monitorState, [
        list.map(([ref]) => ref),
        list.map(([, s]) => s[0]),
        list.map(([, s]) => s[1]),
        list.map(([, s]) => s[2]),
        list.map(([, s]) => s[3]),
        list.map(([, s]) => s[4]),
        list.map(([, s]) => s[5]),
      ]);
    }
    if (records.size > 0) await client.query(SQL.recordOnly, [[...records.keys()], [...records.values()]]);
    if (services.size > 0) {
      const list = [...services];
      const { rows: changed } = await client.query<{ service_id: string; since: number | string }>(
        SQL.serviceState,
        [
          list.map(([id]) => id),
          list.map(([, s]) => s.status),
          list.map(([, s]) => s.since),
          list.map(([, s]) => JSON.stringify(s.evidence)),
        ],
      );
      // The live boards that list the services whose status changed are due for an edit (`/board`);
      // a change of evidence alone shows on no board.
      if (changed.length > 0)
        await client.query(MARK_BOARDS_PG_SQL, [
          Math.min(...changed.map((r) => Number(r.since))),
          changed.map((r) => r.service_id),
        ]);
    }
  }

  private async writeIncident(
    client: pg.PoolClient,
    entry: Extract<Entry, { kind: 'commit' }>,
  ): Promise<void> {
    const incident = entry.change.incident;
    const id = entry.incidentId;
    if (!incident || id === null) return;
    const { decision, event, evidenceKey } = incident;
    const evidence = JSON.stringify(event.evidence);
    if (decision.kind === 'open') {
      if (entry.beyondSequence) await client.query(advanceSequenceSql, [id, 'incidents', 'id']);
      await client.query(SQL.openIncident, openIncidentParams(id, incident, evidence));
    } else {
      // The incident may be unknown (an id from before a database was replaced): its change is
      // not written, as the SQLite store's replay skips an incident that does not exist.
      const exists = await client.query(SQL.incidentExists, [id]);
      if (exists.rowCount === 0) return;
      if (decision.kind === 'resolve') {
        await client.query(SQL.resolveIncident, [event.status, event.at, id]);
      } else {
        await client.query(SQL.updateIncident, [
          event.severity,
          event.status,
          event.at,
          evidenceKey,
          evidence,
          id,
        ]);
      }
    }
    const full: IncidentEvent = { ...event, incidentId: id };
    await client.query(SQL.event, [id, event.kind, event.at, JSON.stringify(full)]);
    if (this.outbox && entry.told) await enqueueIncidentEventIn(client, entry.told, this.outbox);
  }

  private async writeClose(client: pg.PoolClient, incidentId: number, at: number): Promise<void> {
    const closed = await client.query(SQL.closeIncident, [at, incidentId]);
    if (closed.rowCount === 0) return;
    const payload = { incidentId, at, closedBy: 'monitor-removed' };
    await client.query(SQL.event, [incidentId, 'resolved', at, JSON.stringify(payload)]);
  }

  /** After a batch committed: the runtime monitors' refs, then the hooks, in order. */
  private batchWritten(batch: readonly Entry[]): void {
    for (const [id, ref] of this.batchRefs) this.refs.set(id, ref);
    this.batchRefs = new Map();
    const fenced = this.batchFenced;
    this.batchFenced = new Set();
    if (this.hooks.length === 0) return;
    for (const entry of batch) {
      if (entry.kind !== 'commit' || entry.told === null || fenced.has(entry)) continue;
      for (const hook of this.hooks) {
        try {
          hook(entry.told);
        } catch (err) {
          this.log?.error({ err: errorMessage(err) }, 'incident hook failed');
        }
      }
    }
  }
}
