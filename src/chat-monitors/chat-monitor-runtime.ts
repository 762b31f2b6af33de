/**
 * Runs chat monitors: each stored monitor becomes a guarded scheduler monitor plus its service in
 * the detection engine (`ChatServiceRegistry`, satisfied by `DetectionEngine.addService` and
 * `removeService`).
 */
import type { MonitorConfig } from '../monitors/monitor-config.js';
import type { MonitorDef, ServiceDef } from '../core/catalog.js';
import type { SsrfGuardDeps } from '../monitors/ssrf/ssrf-guard.js';
import { buildChatMonitorConfig, type ChatMonitorRuntimeConfig } from './chat-monitor-config.js';
import type { ChatMonitorLimits } from './chat-monitor-limits.js';
import type { ChatMonitorRuntime } from './chat-monitor-service.js';
import type { ChatMonitor } from './chat-monitor-store.js';

/** Adds and removes services at runtime (to be satisfied by `DetectionEngine`). */
export interface ChatServiceRegistry {
  /** Registers a service and its monitors; loads their stored state, as at start-up. */
  addService(service: ServiceDef, monitors: readonly MonitorDef[]): void;
  /** Forgets a service and its monitors; results for them are ignored from then on. */
  removeService(serviceId: string): void;
}

/** The part of `Scheduler` this needs. */
export interface RuntimeScheduler {
  addMonitor(monitor: MonitorConfig): void;
  removeMonitor(monitorId: string): boolean;
}

/** The runtime, plus what is registered now (for the status page when chat monitors are public). */
export interface ChatMonitorRegistry extends ChatMonitorRuntime {
  /** The registered services and their monitors, oldest first. */
  registered(): readonly ChatMonitorRuntimeConfig[];
  /** Unregisters a registered service by its id (removed on another instance). */
  unregisterService(serviceId: string): void;
}

export function createChatMonitorRuntime(deps: {
  readonly scheduler: RuntimeScheduler;
  readonly engine: ChatServiceRegistry;
  readonly limits: ChatMonitorLimits;
  readonly guard: SsrfGuardDeps;
}): ChatMonitorRegistry {
  const live = new Map<number, ChatMonitorRuntimeConfig>();
  return {
    register(monitor: ChatMonitor) {
      const built = buildChatMonitorConfig(monitor, deps.limits, deps.guard);
      // Engine first: the first result must find its monitor known.
      deps.engine.addService(built.service, [built.monitor]);
      deps.scheduler.addMonitor(built.monitor);
      live.set(monitor.id, built);
    },
    unregister(monitor: ChatMonitor) {
      const built = live.get(monitor.id) ?? buildChatMonitorConfig(monitor, deps.limits, deps.guard);
      deps.scheduler.removeMonitor(built.monitor.id);
      deps.engine.removeService(built.service.id);
      live.delete(monitor.id);
    },
    registered() {
      return [...live.values()];
    },
    unregisterService(serviceId: string) {
      for (const [id, built] of live) {
        if (built.service.id !== serviceId) continue;
        deps.scheduler.removeMonitor(built.monitor.id);
        deps.engine.removeService(built.service.id);
        live.delete(id);
      }
    },
  };
}
