import type { Catalog, ServiceDef } from '../core/catalog.js';
import type { DetectionEngine } from '../core/detection-engine.js';
import type { Clock } from '../core/model.js';
import type { IncidentRecord, SqliteQueryStore } from '../db/sqlite-query-store.js';
import type { Health, IncidentJson, ServiceDetail, ServiceSummary } from './api-schemas.js';

/** The scheduler counts as ticking if it ticked within this long. */
const TICK_STALE_MS = 5000;
const DETAIL_INCIDENTS = 20;
/**
 * `/api/services` is serialised at most this often: with 1,000 services building it costs a few
 * milliseconds, and pollers ask far more often than states change in a way anyone could see.
 */
export const SERVICE_LIST_CACHE_MS = 1000;

export interface PlatformStatus {
  readonly name: string;
  isConnected(): boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Answers the read side of the HTTP surface from the engine's live state and the database. */
export class StatusView {
  private readonly services: ReadonlyMap<string, ServiceDef>;
  private listJson: { readonly at: number; readonly json: string } | null = null;

  constructor(
    private readonly catalog: Catalog,
    private readonly engine: DetectionEngine,
    private readonly queries: SqliteQueryStore,
    private readonly clock: Clock,
    private readonly scheduler: { readonly lastTick: number | null },
    private readonly platforms: readonly PlatformStatus[] = [],
  ) {
    this.services = new Map(catalog.services.map((s) => [s.id, s]));
  }

  listServices(): ServiceSummary[] {
    return this.catalog.services.map((s) => this.summary(s));
  }

  /** `listServices()` as JSON, reused for up to `SERVICE_LIST_CACHE_MS`. */
  serviceListJson(): string {
    const now = this.clock.now();
    if (this.listJson && now >= this.listJson.at && now - this.listJson.at < SERVICE_LIST_CACHE_MS) {
      return this.listJson.json;
    }
    const json = JSON.stringify(this.listServices());
    this.listJson = { at: now, json };
    return json;
  }

  serviceDetail(id: string): ServiceDetail | null {
    const service = this.services.get(id);
    if (!service) return null;
    const last = this.queries.lastChecks();
    const state = this.engine.serviceState(id);
    const monitors = service.monitorIds.flatMap((monitorId) => {
      const def = this.catalog.monitors.find((m) => m.id === monitorId);
      const record = this.engine.monitorRecord(monitorId);
      if (!def || !record) return [];
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
        },
      ];
    });
    return {
      ...this.summary(service),
      group: service.group,
      evidence: [...(state?.evidence ?? [])],
      monitors,
      incidents: this.incidents({ serviceIds: [id], limit: DETAIL_INCIDENTS }),
    };
  }

  incidents(query: Parameters<SqliteQueryStore['incidents']>[0]): IncidentJson[] {
    return this.queries.incidents(query).map((r) => this.incidentJson(r));
  }

  health(): Health {
    const lastTick = this.scheduler.lastTick;
    const ticking = lastTick !== null && this.clock.now() - lastTick < TICK_STALE_MS;
    const writable = this.queries.isWritable();
    const platforms = Object.fromEntries(this.platforms.map((p) => [p.name, { connected: p.isConnected() }]));
    const allConnected = this.platforms.every((p) => p.isConnected());
    return {
      ok: ticking && writable && allConnected,
      scheduler: { ticking, lastTick: lastTick === null ? null : iso(lastTick) },
      database: { writable },
      platforms,
    };
  }

  private summary(service: ServiceDef): ServiceSummary {
    const state = this.engine.serviceState(service.id);
    const open = this.engine.openIncident(service.id);
    return {
      id: service.id,
      name: service.name,
      status: state?.status ?? 'unknown',
      since: iso(state?.since ?? this.clock.now()),
      ...(open ? { incident: { id: open.id, severity: open.severity, startedAt: iso(open.startedAt) } } : {}),
    };
  }

  private incidentJson(r: IncidentRecord): IncidentJson {
    return {
      id: r.id,
      serviceId: r.serviceId,
      serviceName: this.services.get(r.serviceId)?.name ?? r.serviceId,
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
