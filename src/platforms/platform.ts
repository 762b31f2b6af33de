import type { z } from 'zod';
import type { RenderChartPng } from '../charts/chart-png.js';
import type { CommandServiceDeps, CommandServiceOptions } from '../core/commands/command-service.js';
import type { ChatCapabilities } from '../core/commands/command-request.js';
import type { ChatSender, OutboxStore, PlatformName, SubscriptionStore } from '../core/delivery/ports.js';
import type { DetectionEngine } from '../core/detection/engine.js';
import type { Clock } from '../core/model.js';
import type { EnvOf, EnvSection } from '../config/env.js';
import type { ServicesConfig } from '../config/services-file.js';
import type { PacingPolicy } from '../dispatch/pacer.js';
import type { Logger } from '../logging.js';

export type { ChatCapabilities } from '../core/commands/command-request.js';
export type { PlatformName } from '../core/delivery/ports.js';

/** What a platform's messages can hold. */
export interface PlatformLimits {
  /** Longest command reply text; the command layer cuts lists to fit. */
  readonly maxReplyChars: number;
}

/**
 * A chat platform as one folder: src/platforms/<name>/index.ts exports its module, and
 * src/platforms/registry.ts lists it (one line). Everything the rest of the app knows about a
 * platform is here: its environment variables (composed into the app's by src/app-config.ts),
 * whether the environment enables it, its pacing, limits and capabilities, and how to create it.
 *
 * Keep the module's file light: it is loaded on every start, so the platform's client library
 * (discord.js, telegraf) is imported only inside `create`, with a dynamic `import()`, and only
 * when the platform is enabled.
 *
 * `Settings` is what `settings` makes of the validated variables and `create` receives; the app's
 * config carries it under the platform's name (null when the environment does not enable it).
 */
export interface PlatformModule<
  Name extends string = string,
  Shape extends z.ZodRawShape = z.ZodRawShape,
  Settings = unknown,
> extends EnvSection<Shape> {
  /** The platform's name, as stored with its chats (`chats.platform`, `outbox.platform`). */
  readonly name: Name;
  /** The platform's settings when the environment enables it (e.g. its token is set), else null. */
  settings(env: EnvOf<EnvSection<Shape>>): Settings | null;
  /**
   * Secret values found in the settings beyond the variables named in `secrets` (e.g. endpoint
   * secrets and URLs read from a file the environment points to). src/app-config.ts adds them to
   * the config's `secrets`, so the log redacts them like the tokens.
   */
  secretValues?(settings: Settings): readonly string[];
  /** How its alerts are paced (the pacing of the `ChatPlatform` it creates). */
  readonly pacing: PacingPolicy;
  readonly limits: PlatformLimits;
  /** What the commands need to know it can do; its adapter sets them on every request. */
  readonly capabilities: ChatCapabilities;
  /** The platform, not started yet. Imports its client library here (see above). */
  create(settings: Settings, ctx: PlatformContext): Promise<ChatPlatform>;
}

/** Any platform module, whatever its name, variables and settings. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- settings types differ per module
export type AnyPlatformModule = PlatformModule<string, any, any>;

/** The settings type of a module. */
export type SettingsOf<M> = M extends PlatformModule<string, z.ZodRawShape, infer S> ? S : never;

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
  /** The commands' per-user and per-chat budgets; absent: the defaults (`AppConfig.commandRates`). */
  readonly commandRates?: Pick<CommandServiceOptions, 'userRate' | 'chatRate'>;
  /** The 24-hour chart of a service as a PNG (null for an unknown id): attached to `/status <service>`. */
  readonly renderChartPng: RenderChartPng;
}

/** Options of {@link ChatPlatform.start}. */
export interface PlatformStartOptions {
  /**
   * false: log in and register commands, but receive no updates until {@link ChatPlatform.lead}
   * (an instance of a cluster that does not hold the platform's leadership). Default true: a
   * single instance receives at once.
   */
  readonly lead?: boolean;
  /** A sharded gateway (Discord): run only these shards (default: every recommended one). */
  readonly shards?: ShardAssignment;
}

/** A request to an {@link InboundHttpRoute}: its headers (names in lower case) and raw body. */
export interface InboundHttpRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** The answer to an inbound request: a status and, when given, a JSON body. */
export interface InboundHttpAnswer {
  readonly status: number;
  readonly body?: Readonly<Record<string, unknown>>;
}

/**
 * An HTTP route a platform adds to the app's HTTP server (src/web mounts every platform's), e.g.
 * Telegram's webhook. The server reads the body raw, whatever its content type, up to `bodyLimit`
 * bytes (a bigger one is refused with 413 before the handler runs, and logged).
 */
export interface InboundHttpRoute {
  readonly method: 'POST';
  /** The path, exact (no parameters). */
  readonly path: string;
  readonly bodyLimit: number;
  handle(request: InboundHttpRequest): Promise<InboundHttpAnswer>;
}

/**
 * Which gateway shards of a sharded platform (Discord) this process runs: `shards` are ids in
 * `0 … shardCount - 1`, `shardCount` is the bot's total. A guild's events go to shard
 * `(guild_id >> 22) % shardCount` (docs/cluster.md, "Discord: shards").
 */
export interface ShardAssignment {
  readonly shards: readonly number[];
  readonly shardCount: number;
}

/**
 * A chat platform plugged into the app: its sender feeds one OutboxWorker paced by `pacing`.
 * `start` logs in and registers commands; a rejected token throws a {@link PlatformStartError}.
 *
 * A platform whose gateway is sharded (Discord) also has the optional members: without an
 * assignment `start` connects every shard Discord recommends (one instance); with one, only those
 * shards, and `setShards` changes them while it runs (several instances share the shards).
 *
 * A platform that only one instance of a cluster may receive on (Telegram's getUpdates) also has
 * `lead`/`unlead`/`leading`: the cluster starts every instance with `start({ lead: false })` and
 * calls `lead()` on the instance holding the platform's leadership, `unlead()` when it loses it.
 */
export interface ChatPlatform {
  readonly name: PlatformName;
  readonly sender: ChatSender;
  readonly pacing: PacingPolicy;
  /**
   * Logs in. Alone, `start()` takes every duty at once. With several instances (docs/cluster.md):
   * `lead: false` logs in without the duties only one instance may have (Telegram's getUpdates),
   * which `lead` takes and `unlead` gives up; `shards` runs only these gateway shards (Discord).
   */
  start(options?: PlatformStartOptions): Promise<void>;
  stop(): Promise<void>;
  /** Starts receiving updates (after `start`); resolves once receiving has begun. Idempotent. */
  lead?(): Promise<void>;
  /**
   * Stops receiving; resolves once every update received so far is handled and confirmed to the
   * platform, so the next leader neither loses nor repeats one. Idempotent.
   */
  unlead?(): Promise<void>;
  /** Connected to the platform right now (for /healthz); a sharded one: every assigned shard READY. */
  readonly connected: boolean;
  /** The shard count the platform recommends for this bot now. */
  recommendedShardCount?(): Promise<number>;
  /** Runs exactly these gateway shards from now on; `[]` keeps no gateway session. */
  setShards?(shards: readonly number[], shardCount: number): Promise<void>;
  /** The shard ids this process is assigned, ascending (`[]` before `start` and after `stop`). */
  readonly shards?: readonly number[];
  /** True between `lead()` (or `start()`) and `unlead()`, unless receiving failed meanwhile. */
  readonly leading?: boolean;
  /** Routes this platform adds to the HTTP server; every instance serves them, leader or not. */
  readonly httpRoutes?: readonly InboundHttpRoute[];
}

/** A chat platform with a sharded gateway (Discord): the optional members are there. */
export type ShardedChatPlatform = ChatPlatform &
  Required<Pick<ChatPlatform, 'recommendedShardCount' | 'setShards' | 'shards'>>;

/** Whether the platform's gateway is sharded, so the cluster assigns its shards. */
export function isSharded(platform: ChatPlatform): platform is ShardedChatPlatform {
  return typeof platform.setShards === 'function' && typeof platform.recommendedShardCount === 'function';
}

/** A platform could not start for a reason the operator must fix (bad token, unreachable API root). */
export class PlatformStartError extends Error {
  constructor(
    readonly platform: PlatformName,
    message: string,
  ) {
    super(message);
    this.name = 'PlatformStartError';
  }
}
