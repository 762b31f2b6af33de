/**
 * The storage contract of chat-added monitors (implemented by `SqliteChatMonitorStore`). Every
 * method returns `Awaitable` (SQLite answers at once, PostgreSQL with a promise): callers await.
 */
import type { Awaitable } from '../core/awaitable.js';
import type { PlatformName } from '../core/delivery/ports.js';

export interface NewChatMonitor {
  /** The community that owns it: `discord:guild:<id>` or `telegram:<chat id>` (see `ownerKeyOf`). */
  readonly ownerKey: string;
  readonly platform: PlatformName;
  /** The chat that added it; it is subscribed to the monitor's service. */
  readonly chatId: string;
  readonly name: string;
  readonly kind: 'http' | 'tcp' | 'status-page';
  /** Normalised target (`formatTarget`): the URL and keyword, or `host:port`; a status page's URL. */
  readonly target: string;
  /** `status-page` only: the components that count (matched case-insensitively; empty: all). */
  readonly components?: readonly string[];
  readonly intervalMs: number;
  /** Platform user id of the admin who added it. */
  readonly createdBy: string;
  readonly createdAt: number;
}

export interface ChatMonitor extends NewChatMonitor {
  readonly id: number;
}

export interface ChatMonitorAuditEntry {
  readonly monitorId: number;
  readonly name: string;
  readonly target: string;
  readonly action: 'add' | 'remove';
  readonly actor: string;
  readonly at: number;
}

/**
 * A planned maintenance window of one chat monitor (`/maintenance`): its service is in maintenance
 * from `startsAt` (inclusive) to `endsAt` (exclusive), epoch ms. One per monitor.
 */
export interface ChatMaintenance {
  readonly monitorId: number;
  /** The community that set it (the monitor's owner). */
  readonly ownerKey: string;
  readonly startsAt: number;
  readonly endsAt: number;
  /** Platform user id of the admin who set it. */
  readonly createdBy: string;
  readonly createdAt: number;
}

export interface ChatMonitorStore {
  /** Adds the monitor and its audit row; null when the owner already has one of that name (any case). */
  add(monitor: NewChatMonitor): Awaitable<ChatMonitor | null>;
  /** Removes by name (any case) with an audit row; null when there is none. */
  remove(ownerKey: string, name: string, actor: string, now: number): Awaitable<ChatMonitor | null>;
  countOwned(ownerKey: string): Awaitable<number>;
  listOwned(ownerKey: string): Awaitable<ChatMonitor[]>;
  /** Every chat monitor, for scheduling at start-up. */
  listAll(): Awaitable<ChatMonitor[]>;
  /** Newest first. */
  recentAudit(ownerKey: string, limit: number): Awaitable<ChatMonitorAuditEntry[]>;
  /** Stores a monitor's maintenance window, replacing the one it had. */
  setMaintenance(window: ChatMaintenance): Awaitable<void>;
  /** Deletes a monitor's maintenance window; false when it had none not over at `now`. */
  endMaintenance(monitorId: number, now: number): Awaitable<boolean>;
  /**
   * Every window not over at `now` (planned or running), any community, by start; `remove` deletes
   * a monitor's window with it.
   */
  listMaintenance(now: number): Awaitable<ChatMaintenance[]>;
}
