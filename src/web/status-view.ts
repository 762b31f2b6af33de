import type { ServiceHistory } from '../charts/service-history.js';
import type { NoteStore } from '../core/incident-notes.js';
import type { Catalog, MonitorDef, ServiceDef } from '../core/catalog.js';
import type { DetectionEngine } from '../core/detection/engine.js';
import type { Clock } from '../core/model.js';
import type { IncidentQuery, IncidentRecord, QueryStore } from '../db/sqlite-query-store.js';
import type { StorageState } from '../db/storage-health.js';
import type {
  ClusterHealth,
  Health,
  IncidentJson,
  ServiceDetail,
  ServiceList,
  ServiceSummary,
  UptimeWindowJson,
  Vantage,
} from './api-schemas.js';

/** The scheduler counts as ticking if it ticked within this long. */
const TICK_STALE_MS = 5000;
const DETAIL_INCIDENTS = 20;
/** The periods of `uptime` in `GET /api/services/:id` and on the service's page, in days. */
export const UPTIME_PERIODS = [7, 30, 90] as const;
/** The longest period an uptime badge may ask for (the roll-ups keep 400 days; the bars show 90). */
export const MAX_UPTIME_DAYS = 90;
/**
 * `/api/services` is serialised at most this often: with 1,000 services building it costs a few
 * milliseconds, and pollers ask far more often than states change in a way anyone could see.
 */
export const SERVICE_LIST_CACHE_MS = 1000;

export interface PlatformStatus {
  readonly name: string;
  isConnected(): boolean;
}

/**
 * Services added at runtime (monitors added from chat). They belong to a community, so
 * the page and the JSON API show them, and their incidents, only when the operator made them
 * public (`CHAT_MONITORS_PUBLIC`).
 */
export interface RuntimeServices {
  readonly public: boolean;
  /** Every runtime service id starts with this (`chat-`): how their incidents are left out. */
  readonly idPrefix: string;
  /** What is registered now. */
  registered(): readonly { readonly service: ServiceDef; readonly monitor: MonitorDef }[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Answers the read side of the HTTP surface from the engine's live state and the database. */
export class StatusView {
  private readonly services: ReadonlyMap<string, ServiceDef>;
  /**
   * The probe monitors of the catalogue services that also have official ones; every other service
   * uses all its monitors (no entry and no copy for each of 10,000).
   */
  private readonly probeIds = new Map<string, readonly string[]>();
  private listJson: { readonly at: number; readonly json: string } | null = null;

  constructor(
    private readonly catalog: Catalog,
    private readonly engine: DetectionEngine,
    private readonly queries: QueryStore,
    readonly clock: Clock,
    private readonly scheduler: { readonly lastTick: number | null },
    private readonly platforms: readonly PlatformStatus[] = [],
    private readonly runtime?: RuntimeServices,
    /** What the app's writes met (a full disk); without it only the write probe below counts. */
    private readonly storage?: { readonly state: StorageState },
    /** Several instances: membership and leases (absent when alone). */
    private readonly cluster?: () => ClusterHealth | null,
    /** The check history, for uptime and response time (absent: `uptime` is empty). */
    private readonly history?: Pick<ServiceHistory, 'uptime'>,
    /** `/note`s, shown with each incident; absent: incidents have no `notes`. */
    private readonly notes?: Pick<NoteStore, 'notesOf'>,
  ) {
    this.services = new Map(catalog.services.map((s) => [s.id, s]));
    const official = new Set(catalog.monitors.filter((m) => m.role === 'official').map((m) => m.id));
    for (const s of catalog.services) {
      if (s.monitorIds.some((id) => official.has(id))) {
        this.probeIds.set(
          s.id,
          s.monitorIds.filter((id) => !official.has(id)),
        );
      }
    }
  }

  /**
   * A service's probe monitors: what its availability is counted from (an official status page's
   * "checks" say what the provider claims, not what we saw). Runtime services have only probes.
   */
  probeIdsOf(def: ServiceDef): readonly string[] {
    return this.probeIds.get(def.id) ?? def.monitorIds;
  }

  /** One service as `GET /api/services` lists it, or undefined for an id the page may not show. */
  serviceSummary(id: string): ServiceSummary | undefined {
    const def = this.serviceDef(id);
    return def ? this.summary(def, this.vantage()) : undefined;
  }

  /**
   * Uptime and the p95 of hourly p95 response times of a service over the last `days` days, for
   * each period asked; empty without a check history.
   */
  async uptime(def: ServiceDef, periods: readonly number[]): Promise<UptimeWindowJson[]> {
    return this.history ? this.history.uptime(this.probeIdsOf(def), periods) : [];
  }

  /** The catalogue's services, then the public runtime ones. */
  listServices(): ServiceSummary[] {
    return this.serviceList().services;
  }

  /** `GET /api/services`: whether we can see at all, then every service. */
  serviceList(): ServiceList {
    const vantage = this.vantage();
    return {
      vantage,
      services: [...this.catalog.services, ...this.publicRuntime().map((r) => r.service)].map((s) =>
        this.summary(s, vantage),
      ),
    };
  }

  /** Not ok while the vantage guard says our own network looks broken: no status is current then. */
  vantage(): Vantage {
    const v = this.engine.vantageStatus();
    return v.ok
      ? { ok: true }
      : { ok: false, reason: `own network looks broken: ${v.detail}`, since: iso(v.since) };
  }

  /** A service the page may show: the catalogue's, or a runtime one when they are public. */
  serviceDef(id: string): ServiceDef | undefined {
    return this.services.get(id) ?? this.publicRuntime().find((r) => r.service.id === id)?.service;
  }

  private publicRuntime(): readonly { readonly service: ServiceDef; readonly monitor: MonitorDef }[] {
    return this.runtime?.public ? this.runtime.registered() : [];
  }

  private monitorDef(id: string): MonitorDef | undefined {
    return (
      this.catalog.monitors.find((m) => m.id === id) ??
      this.publicRuntime().find((r) => r.monitor.id === id)?.monitor
    );
  }

  /** `serviceList()` as JSON, reused for up to `SERVICE_LIST_CACHE_MS`. */
  serviceListJson(): string {
    const now = this.clock.now();
    if (this.listJson && now >= this.listJson.at && now - this.listJson.at < SERVICE_LIST_CACHE_MS) {
      return this.listJson.json;
    }
    const json = JSON.stringify(this.serviceList());
    this.listJson = { at: now, json };
    return json;
  }

  async serviceDetail(id: string): Promise<ServiceDetail | null> {
    const service = this.serviceDef(id);
    if (!service) return null;
    const last = await this.queries.lastChecks();
    const state = this.engine.serviceState(id);
    const monitors = service.monitorIds.flatMap((monitorId) => {
      const def = this.monitorDef(monitorId);
      const record = this.engine.monitorRecord(monitorId);
      const confirm = this.engine.downConfirmation(monitorId);
      if (!def || !record || !confirm) return [];
      const check = last.get(monitorId);
      return [
        {
          id: monitorId,
          type: def.type,
          target: def.target,
          state: record.state,
          since: iso(record.since),
          flapping: record.flapping,
          lastCheck: check
            ? {
                status: check.status,
                reason: check.reason,
                message: check.message,
                latencyMs: check.latencyMs,
                at: iso(check.at),
              }
            : null,
          confirmDown: {
            needed: confirm.needed,
            learned: confirm.learned,
            failureRate: Math.round(confirm.observedRate * 10_000) / 10_000,
            failureRateBound: Math.round(confirm.rate * 10_000) / 10_000,
            budgetMet: confirm.budgetMet,
            targetMet: confirm.targetMet,
          },
        },
      ];
    });
    return {
      ...this.summary(service, this.vantage()),
      group: service.group,
      evidence: [...(state?.evidence ?? [])],
      monitors,
      incidents: await this.incidents({ serviceIds: [id], limit: DETAIL_INCIDENTS }),
      uptime: await this.uptime(service, UPTIME_PERIODS),
    };
  }

  async incidents(query: IncidentQuery): Promise<IncidentJson[]> {
    const hidden =
      this.runtime && !this.runtime.public ? { excludeServicePrefix: this.runtime.idPrefix } : {};
    const records = await this.queries.incidents({ ...query, ...hidden });
    const notes = this.notes === undefined ? [] : await this.notes.notesOf(records.map((r) => r.id));
    return records.map((r) => {
      const json = this.incidentJson(r);
      if (this.notes === undefined) return json;
      const own = notes.filter((n) => n.incidentId === r.id);
      return {
        ...json,
        notes: own.map((n) => ({ at: iso(n.at), author: n.authorName, mark: n.mark, text: n.text })),
      };
    });
  }

  async health(): Promise<Health> {
    const lastTick = this.scheduler.lastTick;
    const ticking = lastTick !== null && this.clock.now() - lastTick < TICK_STALE_MS;
    // The probe finds a read-only or locked database; only a real commit finds a full disk (the
    // probe's page fits in memory), which is what the storage state says.
    const state = this.storage?.state ?? { ok: true };
    const probed = state.ok ? await this.queries.isWritable() : false;
    const database = state.ok
      ? probed
        ? { writable: true }
        : { writable: false, reason: 'write probe failed' }
      : { writable: false, reason: state.reason, since: iso(state.since) };
    const platforms = Object.fromEntries(this.platforms.map((p) => [p.name, { connected: p.isConnected() }]));
    const allConnected = this.platforms.every((p) => p.isConnected());
    const vantage = this.vantage();
    const cluster = this.cluster?.() ?? null;
    return {
      ok: ticking && database.writable && allConnected && vantage.ok && (cluster?.ok ?? true),
      scheduler: { ticking, lastTick: lastTick === null ? null : iso(lastTick) },
      database,
      platforms,
      vantage,
      ...(cluster ? { cluster } : {}),
    };
  }

  /**
   * While we are blind the engine discounts every failure, so a service it last saw `up` stays
   * `up`: that would be a claim we cannot make, so it is `unknown` here, with the reason. Other
   * states (an incident already open, maintenance) were seen before and are kept.
   */
  private summary(service: ServiceDef, vantage: Vantage): ServiceSummary {
    const state = this.engine.serviceState(service.id);
    const open = this.engine.openIncident(service.id);
    const planned = this.engine.maintenance(service.id);
    const blind = !vantage.ok && (state === undefined || state.status === 'up');
    return {
      id: service.id,
      name: service.name,
      status: blind ? 'unknown' : (state?.status ?? 'unknown'),
      since: blind && vantage.since !== undefined ? vantage.since : iso(state?.since ?? this.clock.now()),
      ...(blind && vantage.reason !== undefined ? { reason: vantage.reason } : {}),
      // Unstable is why a service is degraded; one down (or in maintenance) says that, as alerts do.
      ...(!blind && state?.status === 'degraded' && state.evidence.some((e) => e.kind === 'unstable')
        ? { unstable: true as const }
        : {}),
      ...(!blind && planned !== undefined
        ? {
            maintenance: {
              since: iso(planned.since),
              until: iso(planned.until),
              ...(planned.reason === null ? {} : { reason: planned.reason }),
            },
          }
        : {}),
      ...(open ? { incident: { id: open.id, severity: open.severity, startedAt: iso(open.startedAt) } } : {}),
    };
  }

  private incidentJson(r: IncidentRecord): IncidentJson {
    return {
      id: r.id,
      serviceId: r.serviceId,
      serviceName: this.serviceDef(r.serviceId)?.name ?? r.serviceId,
      severity: r.severity,
      status: r.status,
      startedAt: iso(r.startedAt),
      updatedAt: iso(r.updatedAt),
      resolvedAt: r.resolvedAt === null ? null : iso(r.resolvedAt),
      durationMs: r.resolvedAt === null ? null : r.resolvedAt - r.startedAt,
      evidence: [...r.evidence],
    };
  }
}
