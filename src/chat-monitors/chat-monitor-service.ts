/**
 * `/monitor add|remove|list` as platform-neutral use cases. The command layer checks
 * that the caller is a chat admin (same rule as `/subscribe`), then calls these functions; each
 * returns a value the command layer renders (refusals carry the guard's reason for
 * `describeSsrfRefusal`). Nothing here throws for bad input.
 */
import type { Awaitable } from '../core/awaitable.js';
import type { PlatformName } from '../core/delivery/ports.js';
import { communityKey } from '../core/community.js';
import type {
  MaintenanceCancelOutcome,
  MaintenanceCommandPort,
  MaintenanceSetOutcome,
  MaintenanceSummary,
  MonitorAddOutcome,
  MonitorCommandPort,
  MonitorRemoveOutcome,
  WatchAddOutcome,
  WatchCommandPort,
} from '../core/commands/ports.js';
import type { MaintenanceWindow } from '../core/detection/maintenance.js';
import type { Clock } from '../core/model.js';
import type { SsrfGuardDeps } from '../monitors/ssrf/ssrf-guard.js';
import { vetTarget, vetUrl } from '../monitors/ssrf/ssrf-guard.js';
import { formatTarget, parseHttpUrl } from '../monitors/ssrf/target-parser.js';
import { PageComponentsCache } from './page-components-cache.js';
import { createPageInspector, type PageInspection, type PageInspector } from './status-page-inspect.js';
import { chatServiceId } from './chat-monitor-config.js';
import type { ChatMonitorLimits } from './chat-monitor-limits.js';
import type {
  ChatMaintenance,
  ChatMonitor,
  ChatMonitorAuditEntry,
  ChatMonitorStore,
} from './chat-monitor-store.js';
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
  /** Reads a page once for `/watch`; by default through `guard` (`createPageInspector`). */
  readonly inspect?: PageInspector;
  /**
   * Where the chat monitors' maintenance windows go, all of them each time one is loaded, set or
   * cancelled (`DetectionEngine.setChatWindows`). Absent: they are stored but change nothing.
   */
  readonly applyMaintenance?: (windows: readonly MaintenanceWindow[]) => void;
}

/** `/watch`'s outcome, carrying the stored monitor itself. */
export type WatchResult =
  | Exclude<WatchAddOutcome, { readonly kind: 'added' }>
  | { readonly kind: 'added'; readonly monitor: ChatMonitor; readonly serviceId: string };

/** The community that owns a caller's monitors: the Discord guild, else the chat. */
export function ownerKeyOf(caller: Omit<ChatMonitorCaller, 'userId'>): string {
  return communityKey(caller);
}

/** Satisfies the command layer's `MonitorCommandPort` (src/core/commands/ports.ts). */
export class ChatMonitorService implements MonitorCommandPort, WatchCommandPort, MaintenanceCommandPort {
  /** Which chat services each community may see; the filter for /status, /services and autocomplete. */
  readonly visibility = new ChatServiceVisibility();
  private readonly inspect: PageInspector;
  /** Component names per page URL, for `/watch`'s autocomplete. */
  private readonly pages: PageComponentsCache;
  /** The maintenance windows not over when last loaded or set, by monitor id. */
  private windows = new Map<number, ChatMaintenance>();

  constructor(private readonly deps: ChatMonitorServiceDeps) {
    this.inspect = deps.inspect ?? createPageInspector(deps.guard, { now: () => deps.clock.now() });
    this.pages = new PageComponentsCache({
      load: async (url) => {
        const read = await this.readPage(url);
        return read.kind === 'page' ? read.page.components : [];
      },
      now: () => deps.clock.now(),
    });
  }

  /** Registers every stored monitor (start-up). */
  async start(): Promise<void> {
    for (const monitor of await this.deps.store.listAll()) {
      this.visibility.add(chatServiceId(monitor.id), monitor.ownerKey, monitor.name);
      this.deps.runtime.register(monitor);
    }
    await this.loadMaintenance();
  }

  /**
   * Reads the stored maintenance windows again and gives the engine the whole set (start-up, and
   * when another instance changed them).
   */
  async loadMaintenance(): Promise<void> {
    const stored = await this.deps.store.listMaintenance(this.deps.clock.now());
    this.windows = new Map(stored.map((w) => [w.monitorId, w]));
    this.applyMaintenance();
  }

  /** `/maintenance <monitor> <start> <duration>`: plans (or replaces) the monitor's window. */
  async setMaintenance(
    caller: ChatMonitorCaller,
    input: { readonly name: string; readonly startsAt: number; readonly endsAt: number },
  ): Promise<MaintenanceSetOutcome> {
    const found = await this.ownMonitor(caller, input.name);
    if (found.kind === 'unknown-monitor') return found;
    const { monitor } = found;
    const window: ChatMaintenance = {
      monitorId: monitor.id,
      ownerKey: monitor.ownerKey,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      createdBy: caller.userId,
      createdAt: this.deps.clock.now(),
    };
    await this.deps.store.setMaintenance(window);
    this.windows.set(monitor.id, window);
    this.applyMaintenance();
    return { kind: 'set', window: { name: monitor.name, startsAt: input.startsAt, endsAt: input.endsAt } };
  }

  /** `/maintenance cancel <monitor>`: ends its window now, planned or running. */
  async cancelMaintenance(caller: ChatMonitorCaller, name: string): Promise<MaintenanceCancelOutcome> {
    const found = await this.ownMonitor(caller, name);
    if (found.kind === 'unknown-monitor') return found;
    const { monitor } = found;
    const ended = await this.deps.store.endMaintenance(monitor.id, this.deps.clock.now());
    this.windows.delete(monitor.id);
    this.applyMaintenance();
    return { kind: ended ? 'cancelled' : 'none', name: monitor.name };
  }

  /** `/maintenance list`: the community's windows not over yet, by start. */
  async listMaintenance(scope: Omit<ChatMonitorCaller, 'userId'>): Promise<MaintenanceSummary[]> {
    const ownerKey = ownerKeyOf(scope);
    const now = this.deps.clock.now();
    const names = new Map((await this.deps.store.listOwned(ownerKey)).map((m) => [m.id, m.name]));
    return [...this.windows.values()]
      .filter((w) => w.ownerKey === ownerKey && w.endsAt > now && names.has(w.monitorId))
      .sort((a, b) => a.startsAt - b.startsAt || a.monitorId - b.monitorId)
      .map((w) => ({ name: names.get(w.monitorId) ?? '', startsAt: w.startsAt, endsAt: w.endsAt }));
  }

  /** The caller's community's monitor of this name (any case), or the names it has. */
  private async ownMonitor(
    caller: Omit<ChatMonitorCaller, 'userId'>,
    name: string,
  ): Promise<
    | { readonly kind: 'monitor'; readonly monitor: ChatMonitor }
    | { readonly kind: 'unknown-monitor'; readonly name: string; readonly known: string[] }
  > {
    const owned = await this.deps.store.listOwned(ownerKeyOf(caller));
    const wanted = name.trim();
    const monitor = owned.find((m) => m.name.toLowerCase() === wanted.toLowerCase());
    return monitor === undefined
      ? { kind: 'unknown-monitor', name: wanted, known: owned.map((m) => m.name) }
      : { kind: 'monitor', monitor };
  }

  /** Gives the engine every window not over yet, each as a one-off window of the monitor's service. */
  private applyMaintenance(): void {
    const now = this.deps.clock.now();
    for (const [id, w] of this.windows) if (w.endsAt <= now) this.windows.delete(id);
    this.deps.applyMaintenance?.(
      [...this.windows.values()].map((w) => ({
        serviceIds: [chatServiceId(w.monitorId)],
        schedule: { kind: 'once', startMs: w.startsAt, endMs: w.endsAt },
        reason: null,
      })),
    );
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
    const serviceId = await this.activate(caller, monitor, now);
    return { kind: 'added', monitor, serviceId };
  }

  /**
   * `/watch <url> [components]`: the same limits, guard, audit and subscription as `/monitor add`,
   * at the minimum interval. The page is read once first (through the guard): it must be a status
   * feed, and every asked component one it lists (stored with the page's spelling). The monitor is
   * named after the page's host, so `/monitor remove <host>` removes it; another page of a host
   * the community already has a monitor named after is `<host>-2` (then `-3`…), and the same page
   * with the same components again is `name-taken` with the existing monitor's name.
   */
  async watch(
    caller: ChatMonitorCaller,
    input: { readonly url: string; readonly components: readonly string[] },
  ): Promise<WatchResult> {
    const { limits, store } = this.deps;
    const ownerKey = ownerKeyOf(caller);
    if ((await store.countOwned(ownerKey)) >= limits.maxPerOwner)
      return { kind: 'limit-reached', limit: limits.maxPerOwner };
    const read = await this.readPage(input.url);
    if (read.kind !== 'page') return read;
    const { page } = read;
    const matched = matchComponents(input.components, page.components);
    if (matched.unknown.length > 0)
      return { kind: 'unknown-components', unknown: matched.unknown, known: page.components };
    const owned = await store.listOwned(ownerKey);
    // The same page with the same components again: nothing new to follow.
    const same = owned.find((m) => m.target === page.url && sameNames(m.components ?? [], matched.names));
    if (same !== undefined) return { kind: 'name-taken', name: same.name };
    const name = distinctName(
      pageName(new URL(page.url)),
      owned.map((m) => m.name),
    );
    const now = this.deps.clock.now();
    const monitor = await store.add({
      ownerKey,
      platform: caller.platform,
      chatId: caller.chatId,
      name,
      kind: 'status-page',
      target: page.url,
      components: matched.names,
      intervalMs: limits.minIntervalMs,
      createdBy: caller.userId,
      createdAt: now,
    });
    if (monitor === null) return { kind: 'name-taken', name };
    const serviceId = await this.activate(caller, monitor, now);
    return { kind: 'added', monitor, serviceId };
  }

  /**
   * `/watch`'s component autocomplete: the names on the page at `url`, read as `watch` reads it
   * and kept a few minutes per URL (`PageComponentsCache`); empty when refused, no status page, or
   * not read within `waitMs`. Never rejects.
   */
  async pageComponents(url: string, waitMs: number): Promise<readonly string[]> {
    const parsed = parseHttpUrl(url.trim());
    if (!parsed.ok) return [];
    return this.pages.get(parsed.url.href, waitMs);
  }

  /** Parses, vets (the SSRF guard, `limits.timeoutMs`) and reads a page once; never throws. */
  private async readPage(
    url: string,
  ): Promise<
    | { readonly kind: 'refused'; readonly reason: Extract<WatchResult, { kind: 'refused' }>['reason'] }
    | { readonly kind: 'not-status-page'; readonly found: Extract<PageInspection, { ok: false }>['found'] }
    | { readonly kind: 'page'; readonly page: Extract<PageInspection, { ok: true }> }
  > {
    const parsed = parseHttpUrl(url.trim());
    if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
    const signal = AbortSignal.timeout(Math.max(VET_TIMEOUT_MS, this.deps.limits.timeoutMs));
    const verdict = await vetUrl(parsed.url.href, this.deps.guard, signal);
    if (!verdict.ok) return { kind: 'refused', reason: verdict.reason };
    const page = await this.inspect(parsed.url, signal);
    if (!page.ok) return { kind: 'not-status-page', found: page.found };
    return { kind: 'page', page };
  }

  /** Makes a stored new monitor visible, runs it and subscribes the chat that added it. */
  private async activate(caller: ChatMonitorCaller, monitor: ChatMonitor, now: number): Promise<string> {
    const serviceId = chatServiceId(monitor.id);
    this.visibility.add(serviceId, monitor.ownerKey, monitor.name);
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
    return serviceId;
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
    // The store deleted its maintenance window with it.
    if (this.windows.delete(monitor.id)) this.applyMaintenance();
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

/**
 * The page's components for each asked name, matched case-insensitively (the page's spelling is
 * kept); `unknown` lists the asked names it does not have. Asked twice counts once.
 */
export function matchComponents(
  asked: readonly string[],
  known: readonly string[],
): { names: string[]; unknown: string[] } {
  const byKey = new Map(known.map((name) => [name.trim().toLowerCase(), name]));
  const names: string[] = [];
  const unknown: string[] = [];
  for (const raw of asked) {
    const name = raw.trim();
    if (name === '') continue;
    const found = byKey.get(name.toLowerCase());
    if (found === undefined) unknown.push(name);
    else if (!names.includes(found)) names.push(found);
  }
  return { names, unknown };
}

/**
 * `base`, or when the community already has a monitor of that name (any case) `base-2`, `base-3`…
 * (`base` cut so the name stays within 40 characters): two pages on one host get two names.
 */
export function distinctName(base: string, taken: readonly string[]): string {
  const used = new Set(taken.map((name) => name.toLowerCase()));
  if (!used.has(base.toLowerCase())) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const name = `${base.slice(0, 40 - suffix.length)}${suffix}`;
    if (!used.has(name.toLowerCase())) return name;
  }
}

/** The same component names, any order and case. */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const key = (names: readonly string[]) => [...new Set(names.map((n) => n.toLowerCase()))].sort().join('\n');
  return key(a) === key(b);
}

/** A watched page's monitor name: its host without `www.`, cut to a valid monitor name. */
export function pageName(url: URL): string {
  const host = url.hostname.replace(/^www\./, '').replace(/[^\p{L}\p{N} ._-]/gu, '-');
  const name = /^[\p{L}\p{N}]/u.test(host) ? host : `page-${host}`;
  return name.slice(0, 40);
}
