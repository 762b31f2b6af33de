import type { Awaitable } from '../awaitable.js';
import type { Evidence } from '../detection/service-status.js';
import type { PlatformName, SubscriptionStore } from '../delivery/ports.js';
import type { WatchFinding } from '../i18n/messages.js';
import type { SsrfRefusalReason } from '../i18n/ssrf-messages.js';
import type { Severity, State } from '../model.js';

/**
 * What the command use cases read and write, as narrow contracts. Each one is a slice of
 * something that already exists, so the composition root passes the real objects directly:
 * the loaded `Catalog`, `SqliteSubscriptionStore`, `DetectionEngine`, `SqliteQueryStore` and the
 * crowd `ReportSink` (see test/core/commands/real-stores.test.ts).
 */

/** A watched service as commands name it. `aliases` are optional extra names (`wa`, `gh`). */
export interface WatchedService {
  readonly id: string;
  readonly name: string;
  readonly aliases?: readonly string[];
}

/** The watched services, in the order `/services` and `/status` list them (satisfied by `Catalog`). */
export interface ServiceDirectory {
  readonly services: readonly WatchedService[];
}

/** A service's confirmed status now (satisfied by `DetectionEngine`). Undefined for an unknown id. */
export interface ServiceStateReader {
  serviceState(
    serviceId: string,
  ): { readonly status: State; readonly since: number; readonly evidence: readonly Evidence[] } | undefined;
}

/** One incident as `/incidents` lists it. */
export interface IncidentRow {
  readonly serviceId: string;
  readonly severity: Severity;
  readonly startedAt: number;
  /** null while the incident is still open. */
  readonly resolvedAt: number | null;
}

/**
 * Recent incidents, open ones first, then newest first, at most `limit` (satisfied by
 * `SqliteQueryStore`). `serviceIds` absent means every service.
 */
export interface IncidentReader {
  incidents(query: {
    readonly serviceIds?: readonly string[];
    readonly limit: number;
  }): Awaitable<readonly IncidentRow[]>;
}

/** The part of the subscription store the commands use. */
export type CommandSubscriptionStore = Pick<
  SubscriptionStore,
  | 'subscribe'
  | 'unsubscribe'
  | 'unsubscribeAll'
  | 'listSubscriptions'
  | 'getChat'
  | 'getSettings'
  | 'updateSettings'
>;

/**
 * The community a `/monitor` command or a lookup speaks for: the chat, and its guild (Discord).
 * Only chats whose platform has the `chatMonitors` capability have one (`monitorScopeOf`).
 */
export interface MonitorScope {
  readonly platform: PlatformName;
  readonly chatId: string;
  readonly guildId?: string | null;
}

/**
 * An admin asking, from a chat: `userId` is recorded in the audit trail; `threadId`, the Telegram
 * forum topic asked from, is where the new monitor's alerts go.
 */
export interface MonitorCaller extends MonitorScope {
  readonly userId: string;
  readonly threadId?: string;
}

/** A chat-added monitor as the commands show it. */
export interface MonitorSummary {
  readonly name: string;
  /** Normalised target: the URL (and keyword), or `host:port`. */
  readonly target: string;
  readonly intervalMs: number;
  /** A watched status page's components that count (`/watch`); absent or empty: all of them. */
  readonly components?: readonly string[];
}

export type MonitorAddOutcome =
  | { readonly kind: 'added'; readonly monitor: MonitorSummary; readonly serviceId: string }
  | { readonly kind: 'refused'; readonly reason: SsrfRefusalReason }
  | { readonly kind: 'invalid-name' }
  | { readonly kind: 'name-taken'; readonly name: string }
  | { readonly kind: 'limit-reached'; readonly limit: number }
  | { readonly kind: 'interval-too-short'; readonly minIntervalMs: number };

export type MonitorRemoveOutcome =
  | { readonly kind: 'removed'; readonly monitor: MonitorSummary }
  | { readonly kind: 'not-found'; readonly name: string };

export interface MonitorListOutcome {
  readonly monitors: readonly MonitorSummary[];
  readonly limit: number;
  /** Newest first: who (platform user id) added or removed what, and when. */
  readonly audit: readonly {
    readonly name: string;
    readonly action: 'add' | 'remove';
    readonly actor: string;
    readonly at: number;
  }[];
}

/**
 * Monitors added from chat, satisfied by `ChatMonitorService`. The command layer has
 * already checked that the caller is an admin; bad input comes back as an outcome, not an
 * exception (a throw is answered with `internalError`).
 */
export interface MonitorCommandPort {
  /** `/monitor add`; `intervalMs` absent means the operator's minimum. Vets the target (DNS). */
  add(
    caller: MonitorCaller,
    input: { readonly name: string; readonly target: string; readonly intervalMs?: number },
  ): Promise<MonitorAddOutcome>;
  /** `/monitor remove`: only the caller's community's monitors, by name in any case. */
  remove(caller: MonitorCaller, name: string): Awaitable<MonitorRemoveOutcome>;
  /** `/monitor list`: the community's monitors, its limit and its audit trail. */
  list(scope: MonitorScope): Awaitable<MonitorListOutcome>;
  /**
   * The chat services this community owns, as `/status`, `/services` and autocomplete list them
   * after the catalogue's. Called for every command: must be cheap (in memory).
   */
  servicesOf(scope: MonitorScope): readonly WatchedService[];
  /** Every chat service id (any community), so alert buttons naming one still parse. */
  serviceIds(): readonly string[];
}

export type WatchAddOutcome =
  | Exclude<MonitorAddOutcome, { readonly kind: 'invalid-name' | 'interval-too-short' }>
  | { readonly kind: 'not-status-page'; readonly found: WatchFinding }
  /** Asked components the page does not list; `known` is every one it does, in its order. */
  | {
      readonly kind: 'unknown-components';
      readonly unknown: readonly string[];
      readonly known: readonly string[];
    };

/** `/watch`: a status page as a chat monitor (satisfied by `ChatMonitorService`). */
export interface WatchCommandPort {
  /**
   * Reads the page once through the SSRF guard; adds it when it is a status feed and every asked
   * component is on it (matched case-insensitively). `components` empty: the whole page counts.
   */
  watch(
    caller: MonitorCaller,
    input: { readonly url: string; readonly components: readonly string[] },
  ): Promise<WatchAddOutcome>;
  /**
   * The component names of the page at `url` (autocomplete), read as `watch` reads it (same guard,
   * same limits) and cached for a few minutes. Empty when the URL is refused, is no status page,
   * or is not read within `waitMs` (the read goes on and fills the cache). Never rejects.
   */
  pageComponents?(url: string, waitMs: number): Promise<readonly string[]>;
}

/** A chat monitor's maintenance window as `/maintenance` shows it: epoch ms, end exclusive. */
export interface MaintenanceSummary {
  /** The monitor's name, as `/monitor list` shows it (untrusted plain text). */
  readonly name: string;
  readonly startsAt: number;
  readonly endsAt: number;
}

/** `/maintenance <monitor>` naming no monitor of the community: `known` is every one it has. */
export interface UnknownMonitorOutcome {
  readonly kind: 'unknown-monitor';
  readonly name: string;
  readonly known: readonly string[];
}

export type MaintenanceSetOutcome =
  { readonly kind: 'set'; readonly window: MaintenanceSummary } | UnknownMonitorOutcome;

export type MaintenanceCancelOutcome =
  | { readonly kind: 'cancelled'; readonly name: string }
  /** The monitor has no window planned or running. */
  | { readonly kind: 'none'; readonly name: string }
  | UnknownMonitorOutcome;

/**
 * `/maintenance`: planned maintenance windows of the community's own chat monitors (satisfied by
 * `ChatMonitorService`). The command layer has checked the caller is an admin, and the times.
 */
export interface MaintenanceCommandPort {
  /** Plans (or replaces) the named monitor's window, matched by name in any case. */
  setMaintenance(
    caller: MonitorCaller,
    input: { readonly name: string; readonly startsAt: number; readonly endsAt: number },
  ): Promise<MaintenanceSetOutcome>;
  /** Ends the named monitor's window now, planned or running. */
  cancelMaintenance(caller: MonitorCaller, name: string): Promise<MaintenanceCancelOutcome>;
  /** The community's windows not over yet, by start. */
  listMaintenance(scope: MonitorScope): Promise<readonly MaintenanceSummary[]>;
}
