import type { Catalog, MonitorDef, ServiceDef } from '../core/catalog.js';
import type { IncidentView } from '../core/detection/incident-policy.js';
import type { MonitorRecord } from '../core/detection/monitor-state.js';
import type { Evidence } from '../core/detection/service-status.js';
import type {
  DetectionCommit,
  DetectionSnapshot,
  DetectionStore,
  ServiceState,
} from '../core/detection-engine.js';
import type { IncidentEvent } from '../core/events.js';
import type { State } from '../core/model.js';
import { encodeCheck, hourOf } from './check-encoding.js';
import { type Db, registerPendingWrites } from './database.js';

/** Runs inside the commit transaction after the incident is written: where outbox rows are added. */
export type IncidentHook = (event: IncidentEvent) => void;

interface IncidentRow {
  id: number;
  service_id: string;
  severity: 'minor' | 'major';
  started_at: number;
  resolved_at: number | null;
  evidence_key: string;
}

function toIncidentView(r: IncidentRow): IncidentView {
  return {
    id: r.id,
    severity: r.severity,
    startedAt: r.started_at,
    resolvedAt: r.resolved_at,
    evidenceKey: r.evidence_key,
  };
}

export interface DetectionStoreOptions {
  /**
   * Commits that change no incident (nearly every check) are held up to this long and written
   * many in one transaction; 0 writes each at once. An incident change is never held: it is
   * written at once, after the held commits, in the same transaction.
   */
  readonly writeBehindMs?: number;
}

/** The app's write-behind: ~35 checks per transaction at 10,000 monitors a minute. */
export const WRITE_BEHIND_MS = 200;
/** Held commits beyond this are written at once, whatever the time: bounds memory and lock time. */
const MAX_HELD_COMMITS = 1000;
const NO_INCIDENT = { incidentId: null } as const;

/**
 * The engine's persistence. `commit` writes the check, the monitor and service state, the incident
 * and its event in one better-sqlite3 transaction (DESIGN §4); `incidentHooks` run inside it.
 *
 * With `writeBehindMs`, commits without an incident change are batched: one transaction per batch
 * costs a fraction of one per check (a WAL commit per check was a third of the engine's CPU). A
 * crash loses at most `writeBehindMs` of check results and monitor records, never an incident or
 * its outbox rows; readers in this process see held commits (`flushPendingWrites` before reads).
 */
export class SqliteDetectionStore implements DetectionStore {
  private readonly refs = new Map<string, number>();
  private readonly hooks: IncidentHook[] = [];
  private readonly stmt;
  private readonly commitTx;
  private readonly flushTx;
  private readonly closeTx;
  private readonly writeBehindMs: number;
  private held: DetectionCommit[] = [];
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    catalog: Catalog,
    options: DetectionStoreOptions = {},
  ) {
    this.writeBehindMs = options.writeBehindMs ?? 0;
    this.syncMonitors(catalog);
    this.stmt = {
      // Nearly every check appends to a chunk and updates a state row that already exist: a plain
      // UPDATE first, the upsert only when it found no row, saves the conflict path (~10% of a commit).
      appendToChunk: db.prepare(
        'UPDATE check_chunks SET data = CAST(data || ? AS BLOB) WHERE monitor_ref = ? AND hour = ?',
      ),
      appendCheck: db.prepare(
        // `||` yields TEXT even for two BLOBs; the cast keeps the chunk a BLOB, byte for byte.
        `INSERT INTO check_chunks (monitor_ref, hour, data) VALUES (?, ?, ?)
         ON CONFLICT (monitor_ref, hour) DO UPDATE SET data = CAST(data || excluded.data AS BLOB)`,
      ),
      failure: db.prepare(
        'INSERT OR REPLACE INTO check_failures (monitor_ref, at, message) VALUES (?, ?, ?)',
      ),
      monitorState: db.prepare(
        `INSERT INTO monitor_state (monitor_ref, record_json, last_status, last_reason, last_message, last_latency_ms, last_at)
         VALUES (@ref, @record, @status, @reason, @message, @latency, @at)
         ON CONFLICT (monitor_ref) DO UPDATE SET record_json = @record, last_status = @status, last_reason = @reason,
           last_message = @message, last_latency_ms = @latency, last_at = @at`,
      ),
      updateMonitorState: db.prepare(
        `UPDATE monitor_state SET record_json = ?, last_status = ?, last_reason = ?, last_message = ?,
           last_latency_ms = ?, last_at = ? WHERE monitor_ref = ?`,
      ),
      recordOnly: db.prepare('UPDATE monitor_state SET record_json = ? WHERE monitor_ref = ?'),
      serviceState: db.prepare(
        `INSERT INTO service_state (service_id, status, since, evidence_json) VALUES (?, ?, ?, ?)
         ON CONFLICT (service_id) DO UPDATE SET status = excluded.status, since = excluded.since,
           evidence_json = excluded.evidence_json`,
      ),
      openIncident: db.prepare(
        `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, evidence_key, evidence_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateIncident: db.prepare(
        `UPDATE incidents SET severity = ?, status = ?, updated_at = ?, resolved_at = NULL, evidence_key = ?,
           evidence_json = ? WHERE id = ?`,
      ),
      resolveIncident: db.prepare(
        'UPDATE incidents SET status = ?, updated_at = ?, resolved_at = ? WHERE id = ?',
      ),
      event: db.prepare(
        'INSERT INTO incident_events (incident_id, kind, at, payload_json) VALUES (?, ?, ?, ?)',
      ),
      closeIncident: db.prepare(
        `UPDATE incidents SET status = 'unknown', updated_at = ?, resolved_at = ?
         WHERE id = ? AND resolved_at IS NULL`,
      ),
    };
    this.commitTx = db.transaction((change: DetectionCommit) => {
      this.writeHeld();
      return this.write(change);
    });
    this.flushTx = db.transaction(() => this.writeHeld());
    this.closeTx = db.transaction((incidentId: number, at: number) => {
      this.writeHeld();
      if (this.stmt.closeIncident.run(at, at, incidentId).changes === 0) return;
      const payload = { incidentId, at, closedBy: 'monitor-removed' };
      this.stmt.event.run(incidentId, 'resolved', at, JSON.stringify(payload));
    });
    registerPendingWrites(db, () => this.flush());
  }

  /** Registers work that must happen in the same transaction as an incident change (the outbox). */
  addIncidentHook(hook: IncidentHook): void {
    this.hooks.push(hook);
  }

  monitorRef(monitorId: string): number | undefined {
    return this.refs.get(monitorId);
  }

  load(): DetectionSnapshot {
    this.flush();
    const monitors = new Map<string, MonitorRecord>();
    const rows = this.db
      .prepare('SELECT m.id, s.record_json FROM monitor_state s JOIN monitors m ON m.ref = s.monitor_ref')
      .all() as { id: string; record_json: string }[];
    for (const r of rows) monitors.set(r.id, JSON.parse(r.record_json) as MonitorRecord);
    const services = new Map<string, ServiceState>();
    const serviceRows = this.db.prepare('SELECT * FROM service_state').all() as {
      service_id: string;
      status: State;
      since: number;
      evidence_json: string;
    }[];
    for (const r of serviceRows) {
      services.set(r.service_id, {
        status: r.status,
        since: r.since,
        evidence: JSON.parse(r.evidence_json) as Evidence[],
      });
    }
    const toView = toIncidentView;
    const openIncidents = new Map<string, IncidentView>();
    for (const r of this.db
      .prepare('SELECT * FROM incidents WHERE resolved_at IS NULL')
      .all() as IncidentRow[]) {
      openIncidents.set(r.service_id, toView(r));
    }
    const lastResolved = new Map<string, IncidentView>();
    const resolvedRows = this.db
      .prepare(
        `SELECT * FROM incidents i WHERE resolved_at = (
           SELECT MAX(resolved_at) FROM incidents j WHERE j.service_id = i.service_id)`,
      )
      .all() as IncidentRow[];
    for (const r of resolvedRows) lastResolved.set(r.service_id, toView(r));
    return { monitors, services, openIncidents, lastResolved };
  }

  /** Registers a runtime service's monitors (their refs) and reads back its stored state only. */
  loadService(service: ServiceDef, monitors: readonly MonitorDef[]): DetectionSnapshot {
    this.flush();
    this.syncMonitors({ services: [service], monitors }, true);
    const ids = monitors.map((m) => m.id);
    const monitorRecords = new Map<string, MonitorRecord>();
    const recordOf = this.db.prepare<[string], { record_json: string }>(
      'SELECT s.record_json FROM monitor_state s JOIN monitors m ON m.ref = s.monitor_ref WHERE m.id = ?',
    );
    for (const id of ids) {
      const row = recordOf.get(id);
      if (row) monitorRecords.set(id, JSON.parse(row.record_json) as MonitorRecord);
    }
    const services = new Map<string, ServiceState>();
    const state = this.db
      .prepare<[string], { status: State; since: number; evidence_json: string }>(
        'SELECT status, since, evidence_json FROM service_state WHERE service_id = ?',
      )
      .get(service.id);
    if (state)
      services.set(service.id, {
        status: state.status,
        since: state.since,
        evidence: JSON.parse(state.evidence_json) as Evidence[],
      });
    const openIncidents = new Map<string, IncidentView>();
    const open = this.db
      .prepare<[string], IncidentRow>(
        'SELECT * FROM incidents WHERE service_id = ? AND resolved_at IS NULL ORDER BY id DESC LIMIT 1',
      )
      .get(service.id);
    if (open) openIncidents.set(service.id, toIncidentView(open));
    const lastResolved = new Map<string, IncidentView>();
    const resolved = this.db
      .prepare<[string], IncidentRow>(
        'SELECT * FROM incidents WHERE service_id = ? AND resolved_at IS NOT NULL ORDER BY resolved_at DESC LIMIT 1',
      )
      .get(service.id);
    if (resolved) lastResolved.set(service.id, toIncidentView(resolved));
    return { monitors: monitorRecords, services, openIncidents, lastResolved };
  }

  commit(change: DetectionCommit): { incidentId: number | null } {
    if (this.writeBehindMs <= 0 || change.incident !== null) {
      const written = this.commitTx(change);
      this.heldWritten();
      return written;
    }
    this.held.push(change);
    if (this.held.length >= MAX_HELD_COMMITS) this.flush();
    else this.flushTimer ??= setTimeout(flushHeld, this.writeBehindMs, this).unref();
    return NO_INCIDENT;
  }

  /**
   * Ends an open incident whose service is no longer monitored. Its status becomes `unknown` (nobody
   * saw it recover) and no hook runs: there is nothing to deliver.
   */
  closeIncident(incidentId: number, at: number): void {
    this.closeTx(incidentId, at);
    this.heldWritten();
  }

  /** Writes the held commits now (before closing the database; readers do it through `flushPendingWrites`). */
  flush(): void {
    if (this.held.length === 0) return;
    this.flushTx();
    this.heldWritten();
  }

  /** Inside a transaction: writes the held commits, in order. They stay held until it commits. */
  private writeHeld(): void {
    for (const change of this.held) this.write(change);
  }

  /** After the transaction that wrote the held commits has committed. */
  private heldWritten(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.held.length > 0) this.held = [];
  }

  private write(change: DetectionCommit): { incidentId: number | null } {
    const { result, monitor } = change;
    if (monitor) {
      const ref = this.refs.get(monitor.id);
      if (ref !== undefined && result) {
        const hour = hourOf(result.at);
        const check = encodeCheck(result);
        if (this.stmt.appendToChunk.run(check, ref, hour).changes === 0)
          this.stmt.appendCheck.run(ref, hour, check);
        if (result.status === 'down') this.stmt.failure.run(ref, result.at, result.message);
        const record = JSON.stringify(monitor.record);
        const { status, reason, message, latencyMs: latency, at } = result;
        if (this.stmt.updateMonitorState.run(record, status, reason, message, latency, at, ref).changes === 0)
          this.stmt.monitorState.run({ ref, record, status, reason, message, latency, at });
      } else if (ref !== undefined) {
        this.stmt.recordOnly.run(JSON.stringify(monitor.record), ref);
      }
    }
    if (change.service) {
      const { id, state } = change.service;
      this.stmt.serviceState.run(id, state.status, state.since, JSON.stringify(state.evidence));
    }
    if (!change.incident) return { incidentId: null };
    const { decision, event, evidenceKey } = change.incident;
    const evidence = JSON.stringify(event.evidence);
    let incidentId: number;
    if (decision.kind === 'open') {
      const info = this.stmt.openIncident.run(
        event.serviceId,
        event.severity,
        event.status,
        event.startedAt,
        event.at,
        evidenceKey,
        evidence,
      );
      incidentId = Number(info.lastInsertRowid);
    } else if (decision.kind === 'resolve') {
      incidentId = decision.incidentId;
      this.stmt.resolveIncident.run(event.status, event.at, event.at, incidentId);
    } else {
      incidentId = decision.incidentId;
      this.stmt.updateIncident.run(event.severity, event.status, event.at, evidenceKey, evidence, incidentId);
    }
    const full: IncidentEvent = { ...event, incidentId };
    this.stmt.event.run(incidentId, event.kind, event.at, JSON.stringify(full));
    for (const hook of this.hooks) hook(full);
    return { incidentId };
  }

  /** Upserts the monitors' rows and refreshes the refs (also for monitors added at runtime). */
  private syncMonitors(catalog: Catalog, runtime = false): void {
    const upsert = this.db.prepare(
      `INSERT INTO monitors (id, service_id, type, target) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, type = excluded.type, target = excluded.target`,
    );
    this.db.transaction(() => {
      for (const m of catalog.monitors) upsert.run(m.id, m.serviceId, m.type, m.target);
    })();
    if (!runtime) {
      for (const r of this.db.prepare('SELECT ref, id FROM monitors').all() as {
        ref: number;
        id: string;
      }[]) {
        this.refs.set(r.id, r.ref);
      }
      return;
    }
    const refOf = this.db.prepare<[string], { ref: number }>('SELECT ref FROM monitors WHERE id = ?');
    for (const m of catalog.monitors) {
      const row = refOf.get(m.id);
      if (row) this.refs.set(m.id, row.ref);
    }
  }
}

function flushHeld(store: SqliteDetectionStore): void {
  store.flush();
}
