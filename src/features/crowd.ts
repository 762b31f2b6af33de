import type { ServicesConfig } from '../config/services-file.js';
import type { ReportSink } from '../core/crowd/report-port.js';
import type { DetectionEngine } from '../core/detection/engine.js';
import type { Clock } from '../core/model.js';
import { CommunityReportSink } from '../crowd-runtime/community-notices.js';
import { CrowdRuntime } from '../crowd-runtime/crowd-runtime.js';
import type { Logger } from '../logging.js';
import type { AppMetrics } from '../metrics/app-metrics.js';
import type { Feature } from './feature.js';
import type { Storage } from './storage.js';

/**
 * Crowd reports: the report store is where `/report` and "I'm affected too" record; the runtime
 * steps the crowd detector after every 5-minute window and tells the engine (started after the
 * scheduler, stopped first).
 */
export class Crowd implements Feature {
  readonly runtime: CrowdRuntime;
  /** What the chat commands record reports through: counted in `/metrics` by what the store made of each. */
  readonly commandReports: ReportSink;

  constructor(deps: {
    readonly services: ServicesConfig;
    readonly engine: DetectionEngine;
    readonly storage: Pick<Storage, 'reports'>;
    readonly metrics: Pick<AppMetrics, 'recordReport'>;
    readonly clock: Clock;
    readonly log: Logger;
  }) {
    const { services, engine, storage, metrics, clock, log } = deps;
    this.runtime = new CrowdRuntime({
      services: services.services,
      windows: storage.reports,
      engine,
      clock,
      log,
    });
    // A counted report may earn its own community a notice (docs/crowd.md §9), in its reply.
    const community = new CommunityReportSink({
      store: storage.reports,
      services: services.services,
      detector: (serviceId) => this.runtime.detectorState(serviceId),
      // In a planned maintenance window (services file) reports are expected: no notice either.
      inIncident: (serviceId) =>
        engine.openIncident(serviceId) !== undefined || engine.maintenance(serviceId) !== undefined,
      log,
    });
    this.commandReports = {
      async record(report) {
        const outcome = await community.record(report);
        metrics.recordReport(report.serviceId, outcome.kind);
        return outcome;
      },
    };
  }

  async start(): Promise<void> {
    await this.runtime.start();
  }

  async stop(): Promise<void> {
    await this.runtime.stop();
  }
}
