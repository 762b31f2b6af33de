import type { RenderChartPng } from '../charts/chart-png.js';
import type { CommandServiceDeps } from '../core/commands/command-service.js';
import type { ChatSender, OutboxStore, Platform, SubscriptionStore } from '../core/delivery/ports.js';
import type { DetectionEngine } from '../core/detection/engine.js';
import type { Clock } from '../core/model.js';
import type { ServicesConfig } from '../config/services-file.js';
import type { PacingPolicy } from '../dispatch/pacer.js';
import type { Logger } from '../logging.js';

/**
 * What the composition root gives a chat platform: the stores and the engine, behind the core's
 * ports. Adapters take what they need from it and never reach for each other.
 */
export interface PlatformContext {
  readonly services: ServicesConfig;
  readonly engine: DetectionEngine;
  readonly subscriptions: SubscriptionStore;
  readonly outbox: OutboxStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** What each platform's `CommandService` is built from (each sizes replies to its own limits). */
  readonly commands: CommandServiceDeps;
  /** The 24-hour chart of a service as a PNG (null for an unknown id): attached to `/status <service>`. */
  readonly renderChartPng: RenderChartPng;
}

/**
 * A chat platform plugged into the app: its sender feeds one OutboxWorker paced by `pacing`.
 * `start` logs in and registers commands; a rejected token throws a {@link PlatformStartError}.
 */
export interface ChatPlatform {
  readonly name: Platform;
  readonly sender: ChatSender;
  readonly pacing: PacingPolicy;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Connected to the platform right now (for /healthz). */
  readonly connected: boolean;
}

/** A platform could not start for a reason the operator must fix (bad token, unreachable API root). */
export class PlatformStartError extends Error {
  constructor(
    readonly platform: Platform,
    message: string,
  ) {
    super(message);
    this.name = 'PlatformStartError';
  }
}
