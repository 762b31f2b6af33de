import type { ServicesConfig } from '../config/services-file.js';
import type { DetectionEngine } from '../core/detection/engine.js';
import type { Clock } from '../core/model.js';
import { AppMetrics, type ClusterFigures } from '../metrics/app-metrics.js';
import type { Storage } from './storage.js';

/**
 * The Prometheus metrics: counters bumped where things happen (checks, deliveries, reports),
 * gauges read at scrape time from the engine, the outbox and storage.
 */
export function createAppMetrics(
  services: ServicesConfig,
  engine: DetectionEngine,
  storage: Pick<Storage, 'outboxDepth' | 'writeFigures'>,
  clock: Clock,
  cluster?: () => ClusterFigures | null,
): AppMetrics {
  return new AppMetrics({
    clock,
    serviceStates: () =>
      services.services.map((s) => ({ id: s.id, status: engine.serviceState(s.id)?.status ?? 'unknown' })),
    vantageOk: () => engine.vantageStatus().ok,
    openIncidents: () => services.services.filter((s) => engine.openIncident(s.id) !== undefined).length,
    outbox: () => storage.outboxDepth(),
    storage: () => storage.writeFigures(),
    ...(cluster ? { cluster } : {}),
  });
}
