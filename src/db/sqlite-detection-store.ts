import type { Catalog, MonitorDef, ServiceDef } from '../core/catalog.js';
import { type IncidentView, severityOf } from '../core/detection/incident-policy.js';
import type { MonitorRecord } from '../core/detection/monitor-state.js';
import type { Evidence } from '../core/detection/service-status.js';
import type {
  DetectionCommit,
  DetectionSnapshot,
  DetectionStore,
  ServiceState,
} from '../core/detection/engine.js';
import type { IncidentEvent } from '../core/events.js';
import type { State } from '../core/model.js';
import { encodeCheck, hourOf } from './check-encoding.js';
import { type Db, registerPendingWrites } from './database.js';
import { MARK_BOARDS_SQL } from './sqlite-board-store.js';
import type { StorageBacklog, StorageHealth } from './storage-health.js';

/** Runs inside the commit transaction after the incident is written: where outbox rows are added. */
export type IncidentHook = (event: IncidentEvent) => void;
/**
 * Told about an incident change that could not be stored (storage failing): returns true when it
 * planned the delivery elsewhere (the in-memory outbox), so the incident hooks must not run again
 * when the change is written later; false to have them run then.
 */
export type UnstoredIncidentHandler = (event: IncidentEvent) => boolean;

/** A write waiting in memory while storage fails, in the order it happened. */
type BacklogEntry =
  | {
      readonly kind: 'commit';
      readonly change: DetectionCommit;
      readonly incidentId: number | null;
      /** Its incident change was planned for delivery elsewhere: no hooks when it is written. */
      readonly planned: boolean;
    }
  | { readonly kind: 'close'; readonly incidentId: number; readonly at: number };

interface IncidentRow {
  id: number;
  service_id: string;
  /** The worst severity the incident reached: the column only ever rises (see `updateIncident`). */
  severity: 'minor' | 'major';
  /** The service's state as of the incident's latest change (`down`, `degraded`; `up` once resolved). */
  status: string;
  started_at: number;
  resolved_at: number | null;
  evidence_key: string;
  /** Only where the query asks for it: when the incident was last reopened. */
  reopened_at?: number | null;
}

/**
 * The engine's view of a stored incident. Its severity is the current one, which the engine compares
 * with the next status: taken from the stored status while it says `down` or `degraded`, since the
 * severity column keeps the worst one.
 */
function toIncidentView(r: IncidentRow): IncidentView {
  return {
    id: r.id,
    severity: severityOf(r.status as State) ?? r.severity,
    startedAt: r.started_at,
    resolvedAt: r.resolved_at,
    ...(r.reopened_at != null ? { reopenedAt: r.reopened_at } : {}),
    evidenceKey: r.evidence_key,
  };
}

/**
 * The parameters of `openIncident`'s INSERT (both backends' statements list the columns in this
 * order): id, service_id, severity, status, started_at, updated_at, evidence_key, evidence_json
 * (`evidence`: the event's evidence as JSON, which the caller has already made).
 */
export function openIncidentParams(
  id: number,
  incident: NonNullable<DetectionCommit['incident']>,
  evidence: string,
): [number, string, string, string, number, number, string, string] {
  const { event, evidenceKey } = incident;
  return [
    id,
    event.serviceId,
    event.severity,
    event.status,
    event.startedAt,
    event.at,
    evidenceKey,
    evidence,
  ];
}

export interface DetectionStoreOptions {
  /**
   * Commits that change no incident (nearly every check) are held up to this long and written
   * many in one transaction; 0 writes each at once. An incident change is never held: it is
   * written at once, after the held commits, in the same transaction.
   */
  readonly writeBehindMs?: number;
  /**
   * Storage health: with it, a commit that fails for a storage reason (disk full, read-only, I/O
   * error, locked) is kept in memory, in order, and written when storage works again; without it
   * the error is thrown as before.
   */
  readonly health?: StorageHealth;
  /** Most check-only commits kept in memory while storage fails; past it the oldest are dropped. */
  readonly maxBacklogChecks?: number;
  /** Most commits of any kind kept in memory while storage fails (incident changes are dropped only past this). */
  readonly maxBacklog?: number;
}

/** The app's write-behind: ~35 checks per transaction at 10,000 monitors a minute. */
export const WRITE_BEHIND_MS = 200;
/** Held commits beyond this are written at once, whatever the time: bounds memory and lock time. */
const MAX_HELD_COMMITS = 1000;
const NO_INCIDENT = { incidentId: null } as const;
/** About 2 minutes of checks at 10,000 monitors a minute (a few MB); hours at a few hundred. */
export const MAX_BACKLOG_CHECKS = 20_000;
/** Incident changes are never dropped below this many commits held in all. */
export const MAX_BACKLOG = 200_000;

/** What is held in memory while storage fails, for `/metrics`. */
export interface DetectionBacklogFigures {
  readonly checks: number;
  readonly incidents: number;
  /** Commits dropped since start because the backlog was full, by kind. */
  readonly droppedChecks: number;
  readonly droppedIncidents: number;
}

/**
 * The engine's persistence. `commit` writes the check, the monitor and service state, the incident
 * and its event in one better-sqlite3 transaction; `incidentHooks` run inside it (the outbox rows).
 *
 * With `writeBehindMs`, commits without an incident change are batched: one transaction per batch
 * costs a fraction of one per check (a WAL commit per check was a third of the engine's CPU). A
 * crash loses at most `writeBehindMs` of check results and monitor records, never an incident or
 * its outbox rows; readers in this process see held commits (`flushPendingWrites` before reads).
 *
 * With `health`, a commit that cannot be stored (disk full, …) never throws: it joins a backlog in
 * memory, and every later commit queues behind it, in order, until `StorageHealth.catchUp` writes
 * them all in one transaction. Incident ids are assigned here, not by SQLite, so an incident opened
 * while nothing can be written has its id at once and keeps it when it is stored. Reads keep
 * working on a full disk, so the engine goes on. See docs/storage-faults.md.
 */
export class SqliteDetectionStore implements DetectionStore, StorageBacklog {
  private readonly refs = new Map<string, number>();
  private readonly hooks: IncidentHook[] = [];
  private unstoredHandler: UnstoredIncidentHandler | null = null;
  private readonly stmt;
  private readonly commitTx;
  private readonly flushTx;
  private readonly closeTx;
  private readonly writeBehindMs: number;
  private readonly health: StorageHealth | null;
  private readonly maxBacklogChecks: number;
  private readonly maxBacklog: number;
  private held: DetectionCommit[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /** Writes waiting while storage fails; dropped entries are left as null until `written`. */
  private backlog: (BacklogEntry | null)[] = [];
  private backlogChecks = 0;
  private backlogIncidents = 0;
  /** Entries before this index are incident changes or dropped: where to look for the oldest check. */
  private checkScan = 0;
  private droppedChecks = 0;
  private droppedIncidents = 0;
  private nextIncidentId: number;
  /** The services file's monitors, when their rows could not be written at start (disk full). */
  private unsyncedCatalog: Catalog | null = null;
  private replayRefs: Map<string, number> | null = null;

  constructor(
    private readonly db: Db,
    catalog: Catalog,
    options: DetectionStoreOptions = {},
  ) {
    this.writeBehindMs = options.writeBehindMs ?? 0;
    this.health = options.health ?? null;
    this.maxBacklogChecks = options.maxBacklogChecks ?? MAX_BACKLOG_CHECKS;
    this.maxBacklog = Math.max(options.maxBacklog ?? MAX_BACKLOG, this.maxBacklogChecks);
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
      // Only the evidence changed (the status and its start are as stored): the boards show
      // neither, so they are not marked. No row changed: the state is new, written by serviceState.
      serviceEvidence: db.prepare(
        'UPDATE service_state SET evidence_json = ? WHERE service_id = ? AND status = ? AND since = ?',
      ),
      // A service's new status (or start) makes the live boards that list it due for an edit (`/board`).
      markBoards: db.prepare(MARK_BOARDS_SQL),
      openIncident: db.prepare(
        `INSERT INTO incidents (id, service_id, severity, status, started_at, updated_at, evidence_key, evidence_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      incidentExists: db.prepare('SELECT 1 FROM incidents WHERE id = ?'),
      worstSeverity: db.prepare('SELECT severity FROM incidents WHERE id = ?').pluck(),
      // The worst severity of the incident's current outage: its events since the latest opening
      // (a reopened incident's earlier outage is not this one). 1: major, 0: minor, null: no opening.
      outageWorst: db
        .prepare(
          `SELECT MAX(json_extract(payload_json, '$.severity') = 'major') FROM incident_events
           WHERE incident_id = @id AND kind != 'resolved' AND id >= (
             SELECT MAX(id) FROM incident_events WHERE incident_id = @id AND kind IN ('opened', 'reopened'))`,
        )
        .pluck(),
      nextIncidentId: db.prepare('SELECT COALESCE(MAX(id), 0) + 1 AS id FROM incidents').pluck(),
      // An incident keeps its worst severity: a major outage that eases to degraded stays major in the
      // history, the API and the status page. The current state is in `status`.
      updateIncident: db.prepare(
        `UPDATE incidents SET severity = CASE WHEN severity = 'major' THEN 'major' ELSE ? END, status = ?,
           updated_at = ?, resolved_at = NULL, evidence_key = ?, evidence_json = ? WHERE id = ?`,
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
    this.nextIncidentId = this.stmt.nextIncidentId.get() as number;
    this.commitTx = db.transaction((change: DetectionCommit, incidentId: number | null) => {
      this.writeHeld();
      this.writeCommit(change, incidentId, true);
    });
    this.flushTx = db.transaction(() => this.writeHeld());
    this.closeTx = db.transaction((incidentId: number, at: number) => {
      this.writeHeld();
      this.writeClose(incidentId, at);
    });
    registerPendingWrites(db, () => this.flush());
    this.health?.addBacklog(this);
  }

  /** Who plans the delivery of an incident change that could not be stored (the in-memory outbox). */
  setUnstoredIncidentHandler(handler: UnstoredIncidentHandler): void {
    this.unstoredHandler = handler;
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
      .prepare(
        `SELECT i.*, (SELECT MAX(e.at) FROM incident_events e WHERE e.incident_id = i.id AND e.kind = 'reopened')
           AS reopened_at FROM incidents i WHERE resolved_at IS NULL`,
      )
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
    const catalog = { services: [service], monitors };
    if (this.storedAsIs(monitors)) {
      // Stored already (a restart): nothing to write, which also lets a restart on a full disk run.
      this.readRefs(catalog, true);
    } else {
      // A monitor added from chat while storage fails: the command says it could not be stored.
      const sync = () => this.syncMonitors(catalog, true);
      if (this.health) this.health.guard('monitor registration', sync);
      else sync();
    }
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
        `SELECT i.*, (SELECT MAX(e.at) FROM incident_events e WHERE e.incident_id = i.id AND e.kind = 'reopened')
           AS reopened_at FROM incidents i WHERE service_id = ? AND resolved_at IS NULL ORDER BY id DESC LIMIT 1`,
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
    const incidentId = change.incident === null ? null : this.incidentIdOf(change.incident.decision);
    if (this.health?.backlogged()) {
      this.toBacklog(change, incidentId);
      this.health.catchUp();
      return { incidentId };
    }
    if (this.writeBehindMs <= 0 || change.incident !== null) {
      try {
        this.commitTx(change, incidentId);
      } catch (err) {
        if (!this.health?.failed(err, 'detection commit')) throw err;
        this.heldToBacklog();
        this.toBacklog(change, incidentId);
        return { incidentId };
      }
      this.heldWritten();
      this.health?.succeeded();
      return { incidentId };
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
    if (this.health?.backlogged()) {
      this.pushBacklog({ kind: 'close', incidentId, at });
      return;
    }
    try {
      this.closeTx(incidentId, at);
    } catch (err) {
      if (!this.health?.failed(err, 'incident close')) throw err;
      this.heldToBacklog();
      this.pushBacklog({ kind: 'close', incidentId, at });
      return;
    }
    this.heldWritten();
  }

  /**
   * Writes the held commits now (before closing the database; readers do it through
   * `flushPendingWrites`). While storage fails they join the backlog instead; never throws then.
   */
  flush(): void {
    if (this.held.length === 0) return;
    if (this.health?.backlogged()) {
      this.heldToBacklog();
      return;
    }
    try {
      this.flushTx();
    } catch (err) {
      if (!this.health?.failed(err, 'check results')) throw err;
      this.heldToBacklog();
      return;
    }
    this.heldWritten();
    this.health?.succeeded();
  }

  /** What is held in memory while storage fails. */
  backlogFigures(): DetectionBacklogFigures {
    return {
      checks: this.backlogChecks,
      incidents: this.backlogIncidents,
      droppedChecks: this.droppedChecks,
      droppedIncidents: this.droppedIncidents,
    };
  }

  // --- StorageBacklog: written by StorageHealth.catchUp, in one transaction with the outbox's.

  pending(): boolean {
    return this.backlogged() || this.unsyncedCatalog !== null;
  }

  write(): void {
    this.replayRefs = null;
    if (this.unsyncedCatalog !== null) {
      this.upsertMonitors(this.unsyncedCatalog);
      // The new monitors' refs, for the checks written below; kept only if this transaction commits.
      const refs = new Map<string, number>();
      for (const r of this.db.prepare('SELECT ref, id FROM monitors').all() as { ref: number; id: string }[])
        refs.set(r.id, r.ref);
      this.replayRefs = refs;
    }
    this.heldToBacklog();
    for (const entry of this.backlog) {
      if (entry === null) continue;
      if (entry.kind === 'close') this.writeClose(entry.incidentId, entry.at);
      else if (this.incidentKnown(entry.change, entry.incidentId))
        this.writeCommit(entry.change, entry.incidentId, !entry.planned);
      else this.writeCommit({ ...entry.change, incident: null }, null, false);
    }
  }

  written(): void {
    for (const [id, ref] of this.replayRefs ?? []) this.refs.set(id, ref);
    this.replayRefs = null;
    this.unsyncedCatalog = null;
    this.backlog = [];
    this.backlogChecks = this.backlogIncidents = this.checkScan = 0;
  }

  private backlogged(): boolean {
    return this.backlogChecks + this.backlogIncidents > 0;
  }

  /**
   * The id of the incident a change applies to. A new incident's id is assigned here, one past the
   * highest stored (read each time: reads work on a full disk) and past every id handed out.
   */
  private incidentIdOf(decision: NonNullable<DetectionCommit['incident']>['decision']): number {
    if (decision.kind !== 'open') return decision.incidentId;
    let stored = this.nextIncidentId;
    try {
      stored = this.stmt.nextIncidentId.get() as number;
    } catch (err) {
      // A failing disk may fail reads too: the ids handed out so far are past every stored one.
      if (!this.health?.failed(err, 'incident id')) throw err;
    }
    const id = Math.max(this.nextIncidentId, stored);
    this.nextIncidentId = id + 1;
    return id;
  }

  /**
   * How bad the incident's current outage was at its worst: the stored events since its latest
   * opening, then `unstored` (its changes not stored yet, in order; from their own latest opening
   * when they have one). Undefined when nothing tells (no opening seen).
   */
  private outageWorst(
    incidentId: number,
    unstored: readonly IncidentEvent[],
  ): IncidentRow['severity'] | undefined {
    const lastOpening = unstored.findLastIndex((e) => e.kind === 'opened' || e.kind === 'reopened');
    const pending = unstored.slice(Math.max(0, lastOpening)).filter((e) => e.kind !== 'resolved');
    let stored: number | null = null;
    if (lastOpening < 0) {
      try {
        stored = this.stmt.outageWorst.get({ id: incidentId }) as number | null;
      } catch (err) {
        // A failing disk may fail reads too: the column below, or nothing.
        if (!this.health?.failed(err, 'incident severity')) throw err;
      }
    }
    if (pending.some((e) => e.severity === 'major') || stored === 1) return 'major';
    if (stored === 0 || pending.length > 0) return 'minor';
    try {
      return this.stmt.worstSeverity.get(incidentId) as IncidentRow['severity'] | undefined;
    } catch (err) {
      if (!this.health?.failed(err, 'incident severity')) throw err;
      return undefined;
    }
  }

  /** The incident's changes waiting in the backlog, in order. */
  private unstoredEvents(incidentId: number): IncidentEvent[] {
    const events: IncidentEvent[] = [];
    for (const entry of this.backlog)
      if (entry?.kind === 'commit' && entry.incidentId === incidentId && entry.change.incident)
        events.push({ ...entry.change.incident.event, incidentId });
    return events;
  }

  /** A commit that could not be stored: into the backlog; its incident change is planned elsewhere. */
  private toBacklog(change: DetectionCommit, incidentId: number | null): void {
    let planned = false;
    if (change.incident !== null && incidentId !== null && this.unstoredHandler !== null) {
      const event: IncidentEvent = { ...change.incident.event, incidentId };
      // A recovery planned in memory says how bad the outage was, as a stored one does.
      const worst =
        change.incident.decision.kind === 'resolve'
          ? this.outageWorst(incidentId, this.unstoredEvents(incidentId))
          : undefined;
      planned = this.unstoredHandler(worst ? { ...event, worstSeverity: worst } : event);
    }
    this.heldToBacklog();
    this.pushBacklog({ kind: 'commit', change, incidentId, planned });
  }

  /** The write-behind commits join the backlog (ahead of what follows). */
  private heldToBacklog(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    for (const change of held) this.pushBacklog({ kind: 'commit', change, incidentId: null, planned: false });
  }

  private pushBacklog(entry: BacklogEntry): void {
    this.backlog.push(entry);
    if (entry.kind === 'commit' && entry.change.incident === null) this.backlogChecks++;
    else this.backlogIncidents++;
    while (this.backlogChecks > this.maxBacklogChecks && this.dropOldest(true));
    while (this.backlogChecks + this.backlogIncidents > this.maxBacklog && this.dropOldest(false));
  }

  /** Drops the oldest check-only commit (`checksOnly`) or the oldest entry of any kind; false when none. */
  private dropOldest(checksOnly: boolean): boolean {
    let dropped = false;
    let i = checksOnly ? this.checkScan : 0;
    for (; i < this.backlog.length; i++) {
      const entry = this.backlog[i];
      if (entry === null || entry === undefined) continue;
      const isCheck = entry.kind === 'commit' && entry.change.incident === null;
      if (checksOnly && !isCheck) continue;
      this.backlog[i] = null;
      if (isCheck) {
        this.backlogChecks--;
        this.droppedChecks++;
      } else {
        this.backlogIncidents--;
        this.droppedIncidents++;
      }
      dropped = true;
      break;
    }
    if (checksOnly) this.checkScan = i;
    // Tombstones are compacted once they are most of the array.
    if (
      this.backlog.length > 1024 &&
      (this.backlogChecks + this.backlogIncidents) * 2 < this.backlog.length
    ) {
      this.backlog = this.backlog.filter((e) => e !== null);
      this.checkScan = 0;
    }
    return dropped;
  }

  /**
   * Replaying: whether the incident a change applies to is stored (an `open` always is next). Its
   * opening may have been dropped from a full backlog; then only the change's check and states are
   * written, not an event of an incident that does not exist.
   */
  private incidentKnown(change: DetectionCommit, incidentId: number | null): boolean {
    if (change.incident === null || incidentId === null || change.incident.decision.kind === 'open')
      return true;
    return this.stmt.incidentExists.get(incidentId) !== undefined;
  }

  /** Inside a transaction: writes the held commits, in order. They stay held until it commits. */
  private writeHeld(): void {
    for (const change of this.held) this.writeCommit(change, null, true);
  }

  private writeClose(incidentId: number, at: number): void {
    if (this.stmt.closeIncident.run(at, at, incidentId).changes === 0) return;
    const payload = { incidentId, at, closedBy: 'monitor-removed' };
    this.stmt.event.run(incidentId, 'resolved', at, JSON.stringify(payload));
  }

  /** After the transaction that wrote the held commits has committed. */
  private heldWritten(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.held.length > 0) this.held = [];
  }

  private writeCommit(change: DetectionCommit, assignedId: number | null, runHooks: boolean): void {
    const { result, monitor } = change;
    if (monitor) {
      const ref = this.refs.get(monitor.id) ?? this.replayRefs?.get(monitor.id);
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
      const evidenceJson = JSON.stringify(state.evidence);
      if (this.stmt.serviceEvidence.run(evidenceJson, id, state.status, state.since).changes === 0) {
        this.stmt.serviceState.run(id, state.status, state.since, evidenceJson);
        this.stmt.markBoards.run(state.since, id);
      }
    }
    if (!change.incident || assignedId === null) return;
    const { decision, event, evidenceKey } = change.incident;
    const evidence = JSON.stringify(event.evidence);
    const incidentId = assignedId;
    if (decision.kind === 'open') {
      this.stmt.openIncident.run(...openIncidentParams(incidentId, change.incident, evidence));
    } else if (decision.kind === 'resolve') {
      this.stmt.resolveIncident.run(event.status, event.at, event.at, incidentId);
    } else {
      this.stmt.updateIncident.run(event.severity, event.status, event.at, evidenceKey, evidence, incidentId);
    }
    const full: IncidentEvent = { ...event, incidentId };
    this.stmt.event.run(incidentId, event.kind, event.at, JSON.stringify(full));
    if (!runHooks || this.hooks.length === 0) return;
    // The hooks (the outbox) get a recovery with how bad this outage was at its worst (since the
    // latest opening; the severity column keeps the incident's worst ever), for its message; the
    // event log keeps the event as the engine told it.
    const worst = decision.kind === 'resolve' ? this.outageWorst(incidentId, []) : undefined;
    const told: IncidentEvent = worst ? { ...full, worstSeverity: worst } : full;
    for (const hook of this.hooks) hook(told);
  }

  /** Upserts the monitors' rows and refreshes the refs (also for monitors added at runtime). */
  private syncMonitors(catalog: Catalog, runtime = false): void {
    try {
      this.db.transaction(() => this.upsertMonitors(catalog))();
    } catch (err) {
      // At start on a full disk: the stored monitors' refs are read below; the rows (and so the
      // checks of monitors new in the services file) wait for the storage catch-up.
      if (runtime || !this.health?.failed(err, 'monitor registration')) throw err;
      this.unsyncedCatalog = catalog;
    }
    this.readRefs(catalog, runtime);
  }

  /** Every monitor has its row already, with the same service, type and target. */
  private storedAsIs(monitors: readonly MonitorDef[]): boolean {
    const rowOf = this.db.prepare<[string], { service_id: string | null; type: string; target: string }>(
      'SELECT service_id, type, target FROM monitors WHERE id = ?',
    );
    return monitors.every((m) => {
      const row = rowOf.get(m.id);
      return (
        row !== undefined && row.service_id === m.serviceId && row.type === m.type && row.target === m.target
      );
    });
  }

  private upsertMonitors(catalog: Catalog): void {
    const upsert = this.db.prepare(
      `INSERT INTO monitors (id, service_id, type, target) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, type = excluded.type, target = excluded.target`,
    );
    for (const m of catalog.monitors) upsert.run(m.id, m.serviceId, m.type, m.target);
  }

  private readRefs(catalog: Catalog, runtime: boolean): void {
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
