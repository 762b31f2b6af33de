/**
 * `/monitor add|remove|list` as platform-neutral use cases. The command layer checks
 * that the caller is a chat admin (same rule as `/subscribe`), then calls these functions; each
 * returns a value the command layer renders (refusals carry the guard's reason for
 * `describeSsrfRefusal`). Nothing here throws for bad input.
 */
import type { Awaitable } from '../core/awaitable.js';
import type { PlatformName } from '../core/delivery/ports.js';
import { communityKey } from '../core/community.js';
import type { MonitorAddOutcome, MonitorCommandPort, MonitorRemoveOutcome } from '../core/commands/ports.js';
import type { Clock } from '../core/model.js';
import type { SsrfGuardDeps } from '../monitors/ssrf/ssrf-guard.js';
import { vetTarget } from '../monitors/ssrf/ssrf-guard.js';
import { formatTarget } from '../monitors/ssrf/target-parser.js';
import { chatServiceId } from './chat-monitor-config.js';
import type { ChatMonitorLimits } from './chat-monitor-limits.js';
import type { ChatMonitor, ChatMonitorAuditEntry, ChatMonitorStore } from './chat-monitor-store.js';
import { ChatServiceVisibility } from './chat-service-visibility.js';

/** Who is asking, from where. `guildId` for Discord servers; Telegram chats own their monitors. */
export interface ChatMonitorCaller {
  readonly platform: PlatformName;
  readonly chatId: string;
  readonly guildId?: string | null;
  readonly userId: string;
  /** The Telegram forum topic asked from: the new monitor's alerts go there. */
  readonly threadId?: string;
}

/** Monitor names: what `/status <name>` will use; letters, digits, spaces and `-_.` only. */
export const MONITOR_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,39}$/u;
/** Audit entries shown by `/monitor list`. */
export const AUDIT_LINES = 10;
const VET_TIMEOUT_MS = 5_000;

/** Where the new monitor runs (the composition root registers it in the scheduler and engine). */
export interface ChatMonitorRuntime {
  register(monitor: ChatMonitor): void;
  unregister(monitor: ChatMonitor): void;
}

/** The chat is subscribed to its new monitor's service (satisfied by `SqliteSubscriptionStore`). */
export interface ChatMonitorSubscriptions {
  subscribe(
    chat: {
      readonly platform: PlatformName;
      readonly chatId: string;
      readonly guildId?: string | null;
      readonly threadId?: string | null;
    },
    serviceId: string,
    minSeverity: 'minor' | 'major',
    now: number,
  ): Awaitable<unknown>;
  /** Ends a chat's subscription to a removed monitor's service, so `/subscriptions` does not list it. */
  unsubscribe(
    chat: { readonly platform: PlatformName; readonly chatId: string },
    serviceId: string,
  ): Awaitable<unknown>;
}

/** The port's outcomes (src/core/commands/ports.ts), carrying the stored monitor itself. */
export type AddMonitorResult =
  | Exclude<MonitorAddOutcome, { readonly kind: 'added' }>
  | { readonly kind: 'added'; readonly monitor: ChatMonitor; readonly serviceId: string };

export type RemoveMonitorResult =
  | Exclude<MonitorRemoveOutcome, { readonly kind: 'removed' }>
  | { readonly kind: 'removed'; readonly monitor: ChatMonitor };

export interface MonitorListing {
  readonly monitors: readonly ChatMonitor[];
  readonly limit: number;
  /** Newest first: who added or removed what, and when. */
  readonly audit: readonly ChatMonitorAuditEntry[];
}

export interface ChatMonitorServiceDeps {
  readonly store: ChatMonitorStore;
  readonly guard: SsrfGuardDeps;
  readonly limits: ChatMonitorLimits;
  readonly subscriptions: ChatMonitorSubscriptions;
  readonly runtime: ChatMonitorRuntime;
  readonly clock: Clock;
}

/** The community that owns a caller's monitors: the Discord guild, else the chat. */
export function ownerKeyOf(caller: Omit<ChatMonitorCaller, 'userId'>): string {
  return communityKey(caller);
}

/** Satisfies the command layer's `MonitorCommandPort` (src/core/commands/ports.ts). */
export class ChatMonitorService implements MonitorCommandPort {
  /** Which chat services each community may see; the filter for /status, /services and autocomplete. */
  readonly visibility = new ChatServiceVisibility();

  constructor(private readonly deps: ChatMonitorServiceDeps) {}

  /** Registers every stored monitor (start-up). */
  async start(): Promise<void> {
    for (const monitor of await this.deps.store.listAll()) {
      this.visibility.add(chatServiceId(monitor.id), monitor.ownerKey, monitor.name);
      this.deps.runtime.register(monitor);
    }
  }

  /** `/monitor add <name> <target> [every]`; `intervalMs` undefined means the minimum. */
  async add(
    caller: ChatMonitorCaller,
    input: { readonly name: string; readonly target: string; readonly intervalMs?: number },
  ): Promise<AddMonitorResult> {
    const { limits, store } = this.deps;
    const name = input.name.trim();
    if (!MONITOR_NAME.test(name)) return { kind: 'invalid-name' };
    const intervalMs = input.intervalMs ?? limits.minIntervalMs;
    if (!Number.isFinite(intervalMs) || intervalMs < limits.minIntervalMs)
      return { kind: 'interval-too-short', minIntervalMs: limits.minIntervalMs };
    const ownerKey = ownerKeyOf(caller);
    if ((await store.countOwned(ownerKey)) >= limits.maxPerOwner)
      return { kind: 'limit-reached', limit: limits.maxPerOwner };
    const verdict = await vetTarget(input.target, this.deps.guard, AbortSignal.timeout(VET_TIMEOUT_MS));
    if (!verdict.ok) return { kind: 'refused', reason: verdict.reason };
    const now = this.deps.clock.now();
    const monitor = await store.add({
      ownerKey,
      platform: caller.platform,
      chatId: caller.chatId,
      name,
      kind: verdict.target.kind,
      target: formatTarget(verdict.target),
      intervalMs: Math.round(intervalMs),
      createdBy: caller.userId,
      createdAt: now,
    });
    if (monitor === null) return { kind: 'name-taken', name };
    const serviceId = chatServiceId(monitor.id);
    this.visibility.add(serviceId, ownerKey, monitor.name);
    this.deps.runtime.register(monitor);
    await this.deps.subscriptions.subscribe(
      {
        platform: caller.platform,
        chatId: caller.chatId,
        guildId: caller.guildId ?? null,
        threadId: caller.threadId ?? null,
      },
      serviceId,
      'minor',
      now,
    );
    return { kind: 'added', monitor, serviceId };
  }

  /** `/monitor remove <name>`: only the owning community's monitors. */
  async remove(caller: ChatMonitorCaller, name: string): Promise<RemoveMonitorResult> {
    const monitor = await this.deps.store.remove(
      ownerKeyOf(caller),
      name.trim(),
      caller.userId,
      this.deps.clock.now(),
    );
    if (monitor === null) return { kind: 'not-found', name: name.trim() };
    this.deps.runtime.unregister(monitor);
    const serviceId = chatServiceId(monitor.id);
    this.visibility.remove(serviceId);
    // The chat that added it, and the one removing it (another channel of the same guild).
    await this.deps.subscriptions.unsubscribe(
      { platform: monitor.platform, chatId: monitor.chatId },
      serviceId,
    );
    await this.deps.subscriptions.unsubscribe(
      { platform: caller.platform, chatId: caller.chatId },
      serviceId,
    );
    return { kind: 'removed', monitor };
  }

  /** The chat services the caller's community owns (in memory; called for every command). */
  servicesOf(caller: Omit<ChatMonitorCaller, 'userId'>): { id: string; name: string }[] {
    return this.visibility.servicesOf(ownerKeyOf(caller));
  }

  /** Every chat service id, any community. */
  serviceIds(): string[] {
    return this.visibility.serviceIds();
  }

  /** `/monitor list`: this community's monitors, the limit, and the audit trail. */
  async list(caller: Omit<ChatMonitorCaller, 'userId'>): Promise<MonitorListing> {
    const ownerKey = ownerKeyOf(caller);
    return {
      monitors: await this.deps.store.listOwned(ownerKey),
      limit: this.deps.limits.maxPerOwner,
      audit: await this.deps.store.recentAudit(ownerKey, AUDIT_LINES),
    };
  }
}
