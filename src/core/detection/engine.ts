import { type Catalog, type MonitorDef, type ServiceDef, isChatServiceId } from '../catalog.js';
import { type IncidentDecision, type IncidentView, decideIncident, evidenceKey } from './incident-policy.js';
import { type Cadence, DEFAULT_CADENCE, DETECTION_SLACK_MS, MIN_CONFIRMATIONS } from './confirmation.js';
import {
  type MonitorEvent,
  type MonitorRecord,
  downConfirmationOf,
  dropStaleStreak,
  initialMonitorRecord,
  pendingWorsening,
  stepMonitor,
} from './monitor-state.js';
import { type CrowdView, type Evidence, type MonitorView, fuseServiceStatus } from './service-status.js';
import {
  type ActiveMaintenance,
  type MaintenanceState,
  type MaintenanceWindow,
  maintenanceState,
} from './maintenance.js';
import { type RecentOutcome, type VantageVerdict, assessVantage } from './vantage-guard.js';
import type { IncidentEvent, OperatorEvent } from '../events.js';
import type { CheckResult, Clock, ProbeOutcome, State } from '../model.js';

/**
 * The vantage verdict scans every monitor's latest outcome; doing that once a second (and on every
 * control result) keeps the cost per check flat at 10,000 monitors.
 */
const VANTAGE_REASSESS_MS = 1000;
/**
 * An accepted down confirmation re-assesses the guard unless an assessment ran this recently:
 * confirmations released together (a partial correlated outage) share one scan per 100 ms
 * instead of one each.
 */
const FORCED_REASSESS_MS = 100;

export interface ServiceState {
  readonly status: State;
  readonly since: number;
  readonly evidence: readonly Evidence[];
}

/**
 * Official sources state, they do not sample: their failures are not noise to learn from, so a
 * learned count (`down: 'auto'`) means the minimum for them. Push monitors neither: a missed
 * heartbeat is judged after its grace, and they cannot be re-checked, so a learned count of
 * several would take several intervals.
 */
function confirmOf(def: MonitorDef): MonitorDef['confirm'] {
  return (def.role === 'official' || def.type === 'push') && def.confirm.down === 'auto'
    ? { down: MIN_CONFIRMATIONS, up: def.confirm.up }
    : def.confirm;
}

function cadenceOf(def: MonitorDef): Cadence {
  return def.timeoutMs === undefined
    ? { intervalMs: def.intervalMs, timeoutMs: DEFAULT_CADENCE.timeoutMs }
    : (def as Cadence);
}

/** A stored record as loaded at `now`: a streak gone stale while we were down starts again. */
function restoredRecord(stored: MonitorRecord | undefined, def: MonitorDef, now: number): MonitorRecord {
  return stored ? dropStaleStreak(stored, now, cadenceOf(def)) : initialMonitorRecord(now);
}

/**
 * Whether a monitor samples a target, so a few quick re-checks add evidence: service probes
 * (HTTP, TCP, DNS, TLS handshakes), but not push monitors (they wait for a heartbeat, within their
 * grace) or official sources (they state). A TLS check is re-checked too: a handshake fails by
 * chance like any connection, and its learned count would otherwise take that many intervals; an
 * expired certificate just confirms as fast as the span rule lets it.
 */
function recheckable(def: MonitorDef): boolean {
  return def.serviceId !== null && def.role === 'probe' && def.type !== 'push';
}

/** `stepped` with the learned background counts of `previous` (kept as they were, or still absent). */
function withBackgroundOf(previous: MonitorRecord, stepped: MonitorRecord): MonitorRecord {
  if (stepped.background === previous.background) return stepped;
  const { background: _learned, ...rest } = stepped;
  return previous.background === undefined ? rest : { ...rest, background: previous.background };
}

/** What the engine needs persisted, loaded once at start-up. */
export interface DetectionSnapshot {
  readonly monitors: ReadonlyMap<string, MonitorRecord>;
  readonly services: ReadonlyMap<string, ServiceState>;
  readonly openIncidents: ReadonlyMap<string, IncidentView>;
  readonly lastResolved: ReadonlyMap<string, IncidentView>;
}

/** Everything one check (or one crowd change) changed: the store writes it in one transaction. */
export interface DetectionCommit {
  readonly result: CheckResult | null;
  readonly monitor: { readonly id: string; readonly record: MonitorRecord } | null;
  readonly service: { readonly id: string; readonly state: ServiceState } | null;
  readonly incident: {
    readonly decision: Exclude<IncidentDecision, { kind: 'none' }>;
    readonly evidenceKey: string;
    readonly event: Omit<IncidentEvent, 'incidentId'>;
  } | null;
}

/**
 * The port the engine persists through. `commit` is one transaction: the check result, the monitor
 * and service state, the incident change and whatever must be delivered about it (the outbox).
 * Returns the incident id the change applied to (new for `open`).
 */
export interface DetectionStore {
  load(): DetectionSnapshot;
  /**
   * Makes a service added at runtime (a chat monitor) known to the store, so its checks are
   * recorded, and returns its stored state (what `load` would return for it, e.g. after a
   * restart). Optional: without it the engine picks the service out of `load()`.
   */
  loadService?(service: ServiceDef, monitors: readonly MonitorDef[]): DetectionSnapshot;
  commit(change: DetectionCommit): { incidentId: number | null };
  /**
   * Ends an open incident without an event to deliver: its service is no longer monitored (a chat
   * monitor removed), so nobody can say it recovered. Optional: without it the incident stays open
   * in the store.
   */
  closeIncident?(incidentId: number, at: number): void;
}

export interface EngineOptions {
  /** Window within which outcomes of different monitors count as "one round" for the vantage guard. */
  readonly roundMs: number;
  readonly reopenCooldownMs?: number;
  /**
   * Several instances share the services (docs/cluster.md): the engine applies results and crowd
   * changes only for the services this instance owns now; the others' state it only reads
   * (`refreshService`). Absent: every service is ours (one instance).
   */
  readonly owns?: (serviceId: string) => boolean;
}

/**
 * Turns check results into monitor states, service statuses and incident events. Single-threaded
 * and synchronous by design: every result is applied and committed before the next one.
 */
export class DetectionEngine {
  private readonly monitorDefs = new Map<string, MonitorDef>();
  private readonly serviceDefs = new Map<string, ServiceDef>();
  private readonly records = new Map<string, MonitorRecord>();
  private readonly services = new Map<string, ServiceState>();
  private readonly open = new Map<string, IncidentView>();
  private readonly lastResolved = new Map<string, IncidentView>();
  private readonly crowd = new Map<string, CrowdView>();
  /** Services added with `addService` (chat monitors): they never sway the vantage verdict. */
  private readonly runtimeServices = new Set<string>();
  /**
   * Each monitor's latest raw outcome, with the unit it counts as for the vantage guard (its
   * service's group or the service; controls: none): the guard's once-a-second assessment reads
   * these objects as they are instead of making one per monitor each time.
   */
  private readonly latest = new Map<string, RecentOutcome>();
  /** When each service probe's current run of failures began (raw `down` outcomes, unknowns ignored). */
  private readonly failingSince = new Map<string, number>();
  /** Monitors whose latest result extended an unconfirmed worsening streak: its length. */
  private readonly extended = new Map<string, number>();
  /**
   * As of the last vantage assessment, per check interval (ascending): the oldest latest outcome
   * among the monitors the guard weighs that have reported at least once and are checked at
   * least that often. A failure streak of a monitor with interval I that began before the entry
   * for I has been seen by the guard together with those peers' outcomes.
   */
  private peersSeen: readonly { readonly intervalMs: number; readonly oldest: number }[] = [];
  private readonly evidence = new Map<string, readonly string[]>();
  private vantage: VantageVerdict = { ok: true };
  private vantageSince: number;
  private vantageAssessedAt = Number.NEGATIVE_INFINITY;
  private readonly incidentListeners: ((e: IncidentEvent) => void)[] = [];
  private readonly operatorListeners: ((e: OperatorEvent) => void)[] = [];
  /**
   * The maintenance windows: the services file's, then the chat monitors' (`setChatWindows`), and
   * which services they cover as last worked out.
   */
  private windows: readonly MaintenanceWindow[];
  private readonly fileWindows: readonly MaintenanceWindow[];
  /** Set when the chat windows changed: `checkMaintenance` applies them at its next call. */
  private maintenanceChanged = false;
  private maintenanceSeen: MaintenanceState = { active: new Map(), nextChangeAt: null };
  /** When `maintenanceSeen` was worked out; it holds until its `nextChangeAt`. */
  private maintenanceAt = Number.NEGATIVE_INFINITY;
  /** When each service's latest maintenance ended (as the engine saw it): streaks begun before are not learned. */
  private readonly maintenanceEnded = new Map<string, number>();
  /** The services in maintenance when `checkMaintenance` last applied the windows. */
  private maintenanceApplied: ReadonlyMap<string, ActiveMaintenance> = new Map();
  /** Whether `checkMaintenance` has run once (the first run also looks at the stored statuses). */
  private maintenanceChecked = false;

  constructor(
    catalog: Catalog,
    private readonly store: DetectionStore,
    private readonly clock: Clock,
    private readonly options: EngineOptions,
  ) {
    for (const m of catalog.monitors) this.monitorDefs.set(m.id, m);
    for (const s of catalog.services) this.serviceDefs.set(s.id, s);
    this.fileWindows = catalog.maintenance ?? [];
    this.windows = this.fileWindows;
    const snapshot = store.load();
    const now = clock.now();
    this.vantageSince = now;
    for (const m of catalog.monitors)
      this.records.set(m.id, restoredRecord(snapshot.monitors.get(m.id), m, now));
    for (const s of catalog.services) this.restoreService(s.id, snapshot, now);
    // A service taken out of the services file can never recover in our eyes: close its open
    // incident without an alert, as for a removed chat monitor. Chat services are added later.
    for (const [serviceId, open] of snapshot.openIncidents)
      if (!this.serviceDefs.has(serviceId) && !isChatServiceId(serviceId))
        this.store.closeIncident?.(open.id, now);
  }

  private restoreService(serviceId: string, snapshot: DetectionSnapshot, now: number): void {
    const stored = snapshot.services.get(serviceId);
    this.services.set(serviceId, stored ?? { status: 'unknown', since: now, evidence: [] });
    // Official evidence lines live only in memory; without the stored ones, the first check after
    // a restart would fall back to the message and re-announce an ongoing incident as updated.
    for (const e of stored?.evidence ?? [])
      if (e.kind === 'official') this.evidence.set(e.monitorId, e.lines);
    const open = snapshot.openIncidents.get(serviceId);
    if (open) this.open.set(serviceId, open);
    const resolved = snapshot.lastResolved.get(serviceId);
    if (resolved) this.lastResolved.set(serviceId, resolved);
  }

  /**
   * Adds a service and its monitors at runtime (a monitor added from chat), with their
   * stored state loaded as at start-up. Adding an id that is already known replaces it. Such
   * services do not count towards the vantage guard's mass-failure verdict.
   * Satisfies `ChatServiceRegistry` (src/chat-monitors/chat-monitor-runtime.ts).
   */
  addService(service: ServiceDef, monitors: readonly MonitorDef[]): void {
    this.removeService(service.id);
    const snapshot = this.store.loadService?.(service, monitors) ?? this.store.load();
    const now = this.clock.now();
    for (const m of monitors) {
      this.monitorDefs.set(m.id, m);
      this.records.set(m.id, restoredRecord(snapshot.monitors.get(m.id), m, now));
    }
    this.serviceDefs.set(service.id, service);
    this.runtimeServices.add(service.id);
    this.restoreService(service.id, snapshot, now);
  }

  /**
   * Forgets a service and its monitors: from then on their results are ignored (a check already
   * in flight may still report) and the service has no state. Its open incident, if any, is closed
   * in the store without an event (no "recovered" alert: nobody saw it recover). Other stored rows
   * are kept. Unknown ids are ignored.
   */
  removeService(serviceId: string): void {
    const def = this.serviceDefs.get(serviceId);
    if (!def) return;
    const open = this.open.get(serviceId);
    if (open !== undefined) this.store.closeIncident?.(open.id, this.clock.now());
    for (const id of def.monitorIds) {
      this.monitorDefs.delete(id);
      this.records.delete(id);
      this.latest.delete(id);
      this.failingSince.delete(id);
      this.extended.delete(id);
      this.evidence.delete(id);
    }
    this.serviceDefs.delete(serviceId);
    this.runtimeServices.delete(serviceId);
    this.services.delete(serviceId);
    this.open.delete(serviceId);
    this.lastResolved.delete(serviceId);
    this.crowd.delete(serviceId);
  }

  /**
   * Reads a known service's stored state again: another instance owned it until now (taking it
   * over), or owns it and changed it (so status replies here say what it says). What this engine
   * held of it in memory alone (latest outcomes, streak extensions, evidence lines) is dropped.
   */
  refreshService(serviceId: string): void {
    const def = this.serviceDefs.get(serviceId);
    if (!def) return;
    const monitors = def.monitorIds
      .map((id) => this.monitorDefs.get(id))
      .filter((m): m is MonitorDef => m !== undefined);
    const snapshot = this.store.loadService?.(def, monitors) ?? this.store.load();
    const now = this.clock.now();
    for (const m of monitors) {
      this.records.set(m.id, restoredRecord(snapshot.monitors.get(m.id), m, now));
      this.latest.delete(m.id);
      this.failingSince.delete(m.id);
      this.extended.delete(m.id);
      this.evidence.delete(m.id);
    }
    this.open.delete(serviceId);
    this.lastResolved.delete(serviceId);
    this.restoreService(serviceId, snapshot, now);
  }

  onIncident(listener: (e: IncidentEvent) => void): void {
    this.incidentListeners.push(listener);
  }

  onOperator(listener: (e: OperatorEvent) => void): void {
    this.operatorListeners.push(listener);
  }

  /**
   * Tells the operator listeners about something seen outside the engine (the votes between
   * vantage points, src/cluster/vantage-check.ts), so it reaches the console and the log as the
   * engine's own notices do.
   */
  notifyOperator(event: OperatorEvent): void {
    this.emitOperator(event);
  }

  /** Applies one probe outcome. Unknown monitor ids (removed from config) are ignored. */
  handleResult(monitorId: string, outcome: ProbeOutcome): void {
    const def = this.monitorDefs.get(monitorId);
    if (!def || !this.records.has(monitorId)) return;
    if (def.serviceId !== null && this.options.owns?.(def.serviceId) === false) return;
    const at = this.clock.now();
    const result: CheckResult = { ...outcome, monitorId, at };
    const unit = def.serviceId === null ? '' : (this.serviceDefs.get(def.serviceId)?.group ?? def.serviceId);
    this.latest.set(monitorId, { unit, failing: outcome.status === 'down', at });
    if (def.serviceId === null || at - this.vantageAssessedAt >= VANTAGE_REASSESS_MS) this.updateVantage(at);
    // Read after the assessment: a verdict it just turned has forgotten this monitor's streak too.
    const previous = this.records.get(monitorId) ?? initialMonitorRecord(at);

    // Failures seen while our own vantage point is in doubt do not count against services.
    const counted =
      !this.vantage.ok && def.serviceId !== null && outcome.status === 'down'
        ? { ...outcome, status: 'unknown' as const }
        : outcome;
    const stepped =
      def.serviceId !== null && def.role === 'probe'
        ? this.stepProbe(monitorId, def, previous, counted, at)
        : stepMonitor(previous, counted, at, confirmOf(def), def.flap, cadenceOf(def));
    const { events } = stepped;
    // Failures during planned maintenance are not the background noise a monitor learns from
    // (docs/detection.md): its learned counts stay as they were before the window, also when a
    // streak begun in the window is broken after it.
    const streakSince = previous.pending?.since ?? Number.POSITIVE_INFINITY;
    const planned =
      def.serviceId !== null &&
      (this.inMaintenance(def.serviceId, at) ||
        streakSince < (this.maintenanceEnded.get(def.serviceId) ?? Number.NEGATIVE_INFINITY));
    const record = planned ? withBackgroundOf(previous, stepped.record) : stepped.record;
    this.records.set(monitorId, record);
    const streak = pendingWorsening(record);
    if (streak > 0 && record.pending?.status === counted.status && recheckable(def))
      this.extended.set(monitorId, streak);
    else this.extended.delete(monitorId);
    // Evidence lines speak for the confirmed state: a page's first "all clear" must not edit an
    // alert that still says degraded; they change once the state does (or within it).
    if (outcome.evidence && record.state === counted.status) this.evidence.set(monitorId, outcome.evidence);
    for (const e of events) {
      if (e.kind === 'flapping') this.emitOperator({ kind: 'monitor-flapping', monitorId, at });
      if (e.kind === 'settled') this.emitOperator({ kind: 'monitor-settled', monitorId, at });
    }
    const service = def.serviceId === null ? undefined : this.serviceDefs.get(def.serviceId);
    this.evaluate(service, at, result, { id: monitorId, record });
  }

  /**
   * Steps a service probe with the vantage verdict first (docs/design.md §3): a confirmed change to
   * `down` is held (it stays pending) until the guard has seen the monitor's peers since the
   * failures began: every monitor it weighs that has reported at least once and is checked at
   * least as often as this one has reported since, or the hold's deadline has passed (`holdMs`).
   * Released because the peers were seen, the assessment that saw them stands; released by the
   * deadline, the guard is re-assessed (at most one forced scan per `FORCED_REASSESS_MS`). If it
   * blames our network the streak is dropped like every other.
   */
  private stepProbe(
    monitorId: string,
    def: MonitorDef,
    previous: MonitorRecord,
    counted: ProbeOutcome,
    at: number,
  ): { record: MonitorRecord; events: MonitorEvent[] } {
    const since = counted.status === 'down' ? (this.failingSince.get(monitorId) ?? at) : null;
    let step = stepMonitor(previous, counted, at, confirmOf(def), def.flap, cadenceOf(def));
    if (since !== null && step.record.state === 'down' && previous.state !== 'down') {
      const seen = this.seenSinceFor(def.intervalMs) >= since;
      if (at - since < this.holdMs(def) && !seen) {
        const hold = { ...confirmOf(def), down: Number.POSITIVE_INFINITY };
        step = stepMonitor(previous, counted, at, hold, def.flap, cadenceOf(def));
      } else {
        // The last assessment already weighed every peer's outcome since the first failure: it
        // stands. Released by the deadline instead, the guard looks again (shared within 100 ms).
        if (!seen && at - this.vantageAssessedAt >= FORCED_REASSESS_MS) this.updateVantage(at);
        if (!this.vantage.ok) {
          const base = this.records.get(monitorId) ?? previous;
          step = stepMonitor(
            { ...base, pending: null },
            { ...counted, status: 'unknown' },
            at,
            confirmOf(def),
            def.flap,
            cadenceOf(def),
          );
        }
      }
    }
    if (since !== null && step.record.state !== 'down' && this.vantage.ok)
      this.failingSince.set(monitorId, since);
    else if (counted.status !== 'unknown') this.failingSince.delete(monitorId);
    return step;
  }

  /**
   * How long a down confirmation may be held after the streak's first failure: a round at most,
   * and never past the monitor's own deadline (its interval plus the detection slack, less one
   * timeout for the check that confirms), so the alert still comes within two intervals plus
   * 30 s of the outage's start (docs/detection.md).
   */
  private holdMs(def: MonitorDef): number {
    const own = def.intervalMs + DETECTION_SLACK_MS - cadenceOf(def).timeoutMs;
    return Math.min(this.options.roundMs, Math.max(0, own));
  }

  /** As of the last assessment, since when every peer checked at least every `intervalMs` has reported. */
  private seenSinceFor(intervalMs: number): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const p of this.peersSeen) {
      if (p.intervalMs > intervalMs) break;
      oldest = p.oldest;
    }
    return oldest;
  }

  /** Feeds the crowd detector's verdict for a service and re-evaluates it. */
  setCrowd(serviceId: string, crowd: CrowdView): void {
    const service = this.serviceDefs.get(serviceId);
    if (!service || !service.crowd) return;
    this.crowd.set(serviceId, crowd);
    if (this.options.owns?.(serviceId) === false) return;
    this.evaluate(service, this.clock.now(), null, null);
  }

  serviceState(serviceId: string): ServiceState | undefined {
    return this.services.get(serviceId);
  }

  /** The planned maintenance a service is in now (services file or chat), if it is: since, until, why. */
  maintenance(serviceId: string): ActiveMaintenance | undefined {
    return this.maintenanceNow(this.clock.now()).active.get(serviceId);
  }

  /**
   * Applies the start and end of maintenance windows when they come, without waiting for a
   * service's next check: a service entering one is `maintenance` at once, and one leaving it is
   * fused again from what its monitors say (an outage still going on is alerted then, one over
   * within the window never is). Cheap until a window starts or ends (one comparison): the check
   * pipeline calls it every second. Only the services this instance owns are evaluated; the others'
   * owners do it and this instance reads their state (`refreshService`).
   */
  checkMaintenance(): void {
    if (this.windows.length === 0 && this.maintenanceChecked && !this.maintenanceChanged) return;
    this.maintenanceChanged = false;
    const at = this.clock.now();
    const before = this.maintenanceApplied;
    const now = this.maintenanceNow(at).active;
    if (now === before && this.maintenanceChecked) return;
    this.maintenanceApplied = now;
    const changed = new Set<string>();
    for (const id of before.keys()) if (!now.has(id)) changed.add(id);
    for (const id of now.keys()) if (!before.has(id)) changed.add(id);
    // The first time: a status stored as `maintenance` whose window is over (ended while the bot
    // was stopped, or taken out of the file) is fused again now, not at the service's next check.
    if (!this.maintenanceChecked)
      for (const [id, state] of this.services)
        if (state.status === 'maintenance' && !now.has(id)) changed.add(id);
    this.maintenanceChecked = true;
    for (const id of changed) {
      const service = this.serviceDefs.get(id);
      if (service && this.options.owns?.(id) !== false) this.evaluate(service, at, null, null);
    }
  }

  /**
   * Replaces the chat monitors' maintenance windows (`/maintenance`, each of one `chat-<id>`
   * service) beside the services file's: they count exactly as the file's do. The check pipeline's
   * next `checkMaintenance` (within a second) applies a window that started or was cancelled.
   */
  setChatWindows(windows: readonly MaintenanceWindow[]): void {
    this.windows = [...this.fileWindows, ...windows];
    // Worked out again at the next look; with no window left, nothing is in maintenance from now.
    this.maintenanceAt = Number.NEGATIVE_INFINITY;
    if (this.windows.length === 0) {
      const at = this.clock.now();
      for (const id of this.maintenanceSeen.active.keys()) this.maintenanceEnded.set(id, at);
      this.maintenanceSeen = { active: new Map(), nextChangeAt: null };
    }
    this.maintenanceChanged = true;
  }

  /** Whether a service is in a maintenance window (services file or chat) at `at`. */
  private inMaintenance(serviceId: string, at: number): boolean {
    return this.windows.length > 0 && this.maintenanceNow(at).active.has(serviceId);
  }

  /** The windows as of `at`, worked out again only once the last answer's next change has come. */
  private maintenanceNow(at: number): MaintenanceState {
    const next = this.maintenanceSeen.nextChangeAt;
    const stale = at < this.maintenanceAt || (next !== null && at >= next);
    if (this.windows.length > 0 && (stale || this.maintenanceAt === Number.NEGATIVE_INFINITY)) {
      const before = this.maintenanceSeen.active;
      this.maintenanceSeen = maintenanceState(this.windows, at);
      this.maintenanceAt = at;
      for (const id of before.keys())
        if (!this.maintenanceSeen.active.has(id)) this.maintenanceEnded.set(id, at);
    }
    return this.maintenanceSeen;
  }

  openIncident(serviceId: string): IncidentView | undefined {
    return this.open.get(serviceId);
  }

  /** The vantage guard's current verdict and since when it has held (for /healthz and the API). */
  vantageStatus(): VantageVerdict & { readonly since: number } {
    return { ...this.vantage, since: this.vantageSince };
  }

  monitorRecord(monitorId: string): MonitorRecord | undefined {
    return this.records.get(monitorId);
  }

  /**
   * The length of a monitor's unconfirmed failure streak if its latest result extended it, else 0
   * (an `unknown` keeps a streak but adds nothing to it). The scheduler re-checks it while > 0,
   * and only sampling service probes (`recheckable`).
   */
  pendingFailures(monitorId: string): number {
    return this.extended.get(monitorId) ?? 0;
  }

  /** How many failures would confirm a worsening of a monitor now (docs/detection.md), for /api. */
  downConfirmation(monitorId: string): ReturnType<typeof downConfirmationOf> | undefined {
    const def = this.monitorDefs.get(monitorId);
    const record = this.records.get(monitorId);
    return def && record ? downConfirmationOf(record, confirmOf(def), cadenceOf(def)) : undefined;
  }

  private evaluate(
    service: ServiceDef | undefined,
    at: number,
    result: CheckResult | null,
    monitor: DetectionCommit['monitor'],
  ): void {
    if (!service) {
      this.store.commit({ result, monitor, service: null, incident: null });
      return;
    }
    const crowd = this.crowd.get(service.id);
    const verdict = fuseServiceStatus({
      monitors: service.monitorIds.flatMap((id) => this.viewOf(id)),
      ...(service.quorum !== null ? { quorum: service.quorum } : {}),
      ...(crowd ? { crowd } : {}),
      ...(this.inMaintenance(service.id, at) ? { inMaintenanceWindow: true } : {}),
    });
    const before = this.services.get(service.id);
    const key = evidenceKey(verdict.evidence);
    const changed = before?.status !== verdict.status || evidenceKey(before.evidence) !== key;
    const state: ServiceState = changed
      ? {
          status: verdict.status,
          since: before?.status === verdict.status ? before.since : at,
          evidence: verdict.evidence,
        }
      : (before as ServiceState);
    const decision = decideIncident({
      status: verdict.status,
      evidence: verdict.evidence,
      open: this.open.get(service.id) ?? null,
      lastResolved: this.lastResolved.get(service.id) ?? null,
      at,
      ...(this.options.reopenCooldownMs !== undefined ? { cooldownMs: this.options.reopenCooldownMs } : {}),
      ...(state.status === 'unknown' ? { unknownSince: state.since } : {}),
    });
    const incident = decision.kind === 'none' ? null : this.incidentChange(service, decision, state, key, at);
    const { incidentId } = this.store.commit({
      result,
      monitor,
      service: changed ? { id: service.id, state } : null,
      incident,
    });
    this.services.set(service.id, state);
    if (incident && incidentId !== null) this.applyIncident(service.id, incident, incidentId, at);
  }

  private viewOf(monitorId: string): MonitorView[] {
    const def = this.monitorDefs.get(monitorId);
    const record = this.records.get(monitorId);
    if (!def || !record) return [];
    const evidence = this.evidence.get(monitorId);
    return [
      {
        id: monitorId,
        role: def.role,
        target: def.target,
        state: record.state,
        flapping: record.flapping,
        ...(record.flapping ? { flapChanges: record.changes.length, flapWindowMs: def.flap.windowMs } : {}),
        reason: record.reason,
        message: record.message,
        ...(record.facts === undefined ? {} : { facts: record.facts }),
        since: record.since,
        ...(evidence ? { evidence } : {}),
      },
    ];
  }

  private incidentChange(
    service: ServiceDef,
    decision: Exclude<IncidentDecision, { kind: 'none' }>,
    state: ServiceState,
    key: string,
    at: number,
  ): NonNullable<DetectionCommit['incident']> {
    const open = this.open.get(service.id);
    const reopened = decision.kind === 'reopen' ? this.lastResolved.get(service.id) : undefined;
    const startedAt = decision.kind === 'open' ? at : (open?.startedAt ?? reopened?.startedAt ?? at);
    const severity = decision.kind === 'resolve' ? (open?.severity ?? 'minor') : decision.severity;
    const kind = { open: 'opened', reopen: 'reopened', update: 'updated', resolve: 'resolved' } as const;
    const event: Omit<IncidentEvent, 'incidentId'> = {
      kind: kind[decision.kind],
      serviceId: service.id,
      serviceName: service.name,
      group: service.group,
      severity,
      status: state.status,
      startedAt,
      at,
      ...(decision.kind === 'resolve' ? { durationMs: decision.durationMs } : {}),
      evidence: state.evidence,
    };
    return { decision, evidenceKey: key, event };
  }

  private applyIncident(
    serviceId: string,
    incident: NonNullable<DetectionCommit['incident']>,
    incidentId: number,
    at: number,
  ): void {
    const { decision, event } = incident;
    if (decision.kind === 'resolve') {
      const open = this.open.get(serviceId);
      this.open.delete(serviceId);
      if (open) this.lastResolved.set(serviceId, { ...open, resolvedAt: at });
    } else {
      this.open.set(serviceId, {
        id: incidentId,
        severity: event.severity,
        startedAt: event.startedAt,
        resolvedAt: null,
        reopenedAt: decision.kind === 'reopen' ? at : (this.open.get(serviceId)?.reopenedAt ?? null),
        evidenceKey: incident.evidenceKey,
      });
      if (decision.kind === 'reopen') this.lastResolved.delete(serviceId);
    }
    const full: IncidentEvent = { ...event, incidentId };
    for (const listener of this.incidentListeners) listener(full);
  }

  private updateVantage(at: number): void {
    this.vantageAssessedAt = at;
    const controls: RecentOutcome[] = [];
    const services: RecentOutcome[] = [];
    const oldestBy = new Map<number, number>();
    for (const [id, def] of this.monitorDefs) {
      // Anyone in a chat can add dead targets: they must not make our network look down and
      // silence everyone's alerts (their own failures are still discounted while it is).
      if (def.serviceId !== null && this.runtimeServices.has(def.serviceId)) continue;
      // Official sources say what a provider claims, not whether we can reach things: a page
      // announcing an outage is no failure of ours, and one we cannot fetch is `unknown`, which
      // would count as a healthy unit and dilute the share while our own network is down.
      if (def.role === 'official') continue;
      // A service in planned maintenance may well fail: that says nothing about our network.
      if (def.serviceId !== null && this.inMaintenance(def.serviceId, at)) continue;
      const latest = this.latest.get(id);
      if (!latest) continue;
      oldestBy.set(def.intervalMs, Math.min(oldestBy.get(def.intervalMs) ?? latest.at, latest.at));
      if (def.serviceId === null) controls.push(latest);
      else services.push(latest);
    }
    // Prefix minima over ascending intervals: the entry for I covers every peer checked at least as often.
    let oldest = Number.POSITIVE_INFINITY;
    this.peersSeen = [...oldestBy]
      .sort(([a], [b]) => a - b)
      .map(([intervalMs, at]) => ({ intervalMs, oldest: (oldest = Math.min(oldest, at)) }));
    const verdict = assessVantage({ controls, services, at, roundMs: this.options.roundMs });
    if (verdict.ok === this.vantage.ok) {
      this.vantage = verdict;
      return;
    }
    this.vantage = verdict;
    this.vantageSince = at;
    if (!verdict.ok) {
      // Streaks of failures that led up to this were ours too: forget them.
      for (const [id, record] of this.records) {
        const def = this.monitorDefs.get(id);
        if (def?.serviceId != null && record.pending?.status === 'down')
          this.records.set(id, { ...record, pending: null });
      }
      this.failingSince.clear();
      this.emitOperator({ kind: 'vantage-lost', cause: verdict.cause, detail: verdict.detail, at });
    } else {
      this.emitOperator({ kind: 'vantage-restored', at });
    }
  }

  private emitOperator(event: OperatorEvent): void {
    for (const listener of this.operatorListeners) listener(event);
  }
}
