import type { AppConfig } from '../app-config.js';
import { CHAT_SERVICE_PREFIX, chatServiceId } from '../chat-monitors/chat-monitor-config.js';
import { DEFAULT_CHAT_MONITOR_LIMITS } from '../chat-monitors/chat-monitor-limits.js';
import {
  type ChatMonitorRegistry,
  type RuntimeScheduler,
  createChatMonitorRuntime,
} from '../chat-monitors/chat-monitor-runtime.js';
import { ChatMonitorService } from '../chat-monitors/chat-monitor-service.js';
import type { DetectionEngine } from '../core/detection/engine.js';
import type { Clock } from '../core/model.js';
import { type AddressResolver, createSystemResolver } from '../monitors/ssrf/ssrf-guard.js';
import type { RuntimeServices } from '../web/status-view.js';
import type { Feature } from './feature.js';
import type { Storage } from './storage.js';

/**
 * Monitors added from chat (`/monitor`): on start the stored ones are registered in the engine and
 * the scheduler (before the scheduler starts); each check goes through the SSRF guard with the
 * operator's allowed ranges.
 */
export class ChatMonitors implements Feature {
  /** What `/monitor` uses. */
  readonly service: ChatMonitorService;
  /** The chat monitors on the status page: only if the operator made them public. */
  readonly pageServices: RuntimeServices;
  private readonly runtime: ChatMonitorRegistry;
  private readonly store: Storage['chatMonitors'];

  constructor(
    config: AppConfig['chatMonitors'],
    deps: {
      /** Where the monitors are checked: the check pipeline. */
      readonly checks: RuntimeScheduler;
      readonly engine: DetectionEngine;
      readonly storage: Pick<Storage, 'chatMonitors' | 'subscriptions'>;
      readonly clock: Clock;
      /** DNS for the SSRF guard; by default the system's (c-ares). */
      readonly resolveAddress?: AddressResolver;
    },
  ) {
    this.store = deps.storage.chatMonitors;
    const limits = config ?? DEFAULT_CHAT_MONITOR_LIMITS;
    const guard = {
      resolve: deps.resolveAddress ?? createSystemResolver(),
      policy: { allowedRanges: limits.allowedRanges },
    };
    this.runtime = createChatMonitorRuntime({ scheduler: deps.checks, engine: deps.engine, limits, guard });
    this.service = new ChatMonitorService({
      store: deps.storage.chatMonitors,
      guard,
      limits,
      subscriptions: deps.storage.subscriptions,
      runtime: this.runtime,
      clock: deps.clock,
      applyMaintenance: (windows) => deps.engine.setChatWindows(windows),
    });
    this.pageServices = {
      public: config?.public ?? false,
      idPrefix: CHAT_SERVICE_PREFIX,
      registered: () => this.runtime.registered(),
    };
  }

  async start(): Promise<void> {
    await this.service.start();
  }

  /** The chat monitors' service ids registered here. */
  serviceIds(): string[] {
    return this.runtime.registered().map((r) => r.service.id);
  }

  /**
   * Reads the stored monitors again (several instances: one added or removed on another instance)
   * and registers the new ones and unregisters the removed ones; the others keep running. Their
   * maintenance windows are read again too (`/maintenance` on another instance).
   */
  async resync(): Promise<void> {
    const stored = await this.store.listAll();
    const storedIds = new Set(stored.map((m) => chatServiceId(m.id)));
    const live = new Set(this.serviceIds());
    for (const monitor of stored) {
      const serviceId = chatServiceId(monitor.id);
      if (live.has(serviceId)) continue;
      this.service.visibility.add(serviceId, monitor.ownerKey, monitor.name);
      this.runtime.register(monitor);
    }
    for (const serviceId of live) {
      if (storedIds.has(serviceId)) continue;
      this.service.visibility.remove(serviceId);
      this.runtime.unregisterService(serviceId);
    }
    await this.service.loadMaintenance();
  }

  stop(): void {
    // Their checks stop with the scheduler; nothing of their own runs.
  }
}
