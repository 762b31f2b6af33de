import type { AppConfig } from '../app-config.js';
import { CHAT_SERVICE_PREFIX } from '../chat-monitors/chat-monitor-config.js';
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

  stop(): void {
    // Their checks stop with the scheduler; nothing of their own runs.
  }
}
