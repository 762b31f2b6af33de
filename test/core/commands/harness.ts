import { expect } from 'vitest';
import type { CrowdReport, ReportOutcome, ReportSink } from '../../../src/core/crowd/report-port.js';
import { REPORT_DEDUP_MS } from '../../../src/core/crowd/report-admission.js';
import {
  ALL_SERVICES,
  type ChatAddress,
  type ChatRecord,
  type ChatSettings,
  type Platform,
  type Subscription,
} from '../../../src/core/delivery/ports.js';
import type { ServiceState } from '../../../src/core/detection/engine.js';
import type { Severity } from '../../../src/core/model.js';
import {
  NO_CHAT_CAPABILITIES,
  type ChatCapabilities,
  type ChatKind,
  type CommandArgs,
  type CommandRequest,
} from '../../../src/core/commands/command-request.js';
import { findPlatformModule } from '../../../src/platforms/registry.js';
import {
  CommandService,
  type CommandServiceDeps,
  type CommandServiceOptions,
} from '../../../src/core/commands/command-service.js';
import type {
  CommandSubscriptionStore,
  IncidentReader,
  IncidentRow,
  WatchedService,
} from '../../../src/core/commands/ports.js';

/** 19 March 2021, 17:15 UTC: the WhatsApp and Instagram outage the README starts from. */
export const T0 = Date.parse('2021-03-19T17:15:00Z');

export const SERVICES: readonly WatchedService[] = [
  { id: 'whatsapp', name: 'WhatsApp', aliases: ['wa'] },
  { id: 'instagram', name: 'Instagram' },
  { id: 'messenger', name: 'Messenger' },
  { id: 'github', name: 'GitHub' },
  { id: 'google-cloud', name: 'Google Cloud' },
  { id: 'prothom-alo', name: 'প্রথম আলো' },
];

const DEFAULT_SETTINGS: ChatSettings = {
  locale: 'en',
  timeZone: 'UTC',
  quietHours: null,
  mutedUntil: null,
  mentionRoleId: null,
  remindMinutes: null,
};

/** An in-memory subscription store with the SQLite store's observable behaviour, counting writes. */
export class FakeSubscriptionStore implements CommandSubscriptionStore {
  readonly chats = new Map<string, { record: ChatRecord; subs: Map<string, Subscription> }>();
  writes = 0;
  failWith: Error | null = null;

  private key(chat: ChatAddress): string {
    return `${chat.platform}:${chat.chatId}`;
  }

  private ensure(chat: ChatAddress & { readonly guildId?: string | null }) {
    const key = this.key(chat);
    let entry = this.chats.get(key);
    if (!entry) {
      entry = {
        record: {
          platform: chat.platform,
          chatId: chat.chatId,
          guildId: chat.guildId ?? null,
          settings: DEFAULT_SETTINGS,
          active: true,
          deactivatedReason: null,
          deactivatedAt: null,
        },
        subs: new Map(),
      };
      this.chats.set(key, entry);
    }
    return entry;
  }

  private check(): void {
    if (this.failWith) throw this.failWith;
  }

  subscribe(
    chat: ChatAddress & { readonly guildId?: string | null; readonly threadId?: string | null },
    serviceId: string,
    minSeverity: Severity,
    now: number,
  ): { readonly created: boolean } {
    this.check();
    this.writes++;
    const entry = this.ensure(chat);
    const created = !entry.subs.has(serviceId);
    entry.subs.set(serviceId, { serviceId, minSeverity, createdAt: now, threadId: chat.threadId ?? null });
    return { created };
  }

  unsubscribe(chat: ChatAddress, serviceId: string): boolean {
    this.check();
    this.writes++;
    return this.chats.get(this.key(chat))?.subs.delete(serviceId) ?? false;
  }

  unsubscribeAll(chat: ChatAddress): number {
    this.check();
    this.writes++;
    const subs = this.chats.get(this.key(chat))?.subs;
    const count = subs?.size ?? 0;
    subs?.clear();
    return count;
  }

  listSubscriptions(chat: ChatAddress): Subscription[] {
    this.check();
    return [...(this.chats.get(this.key(chat))?.subs.values() ?? [])];
  }

  getChat(chat: ChatAddress): ChatRecord | null {
    this.check();
    return this.chats.get(this.key(chat))?.record ?? null;
  }

  getSettings(chat: ChatAddress): ChatSettings {
    this.check();
    return this.chats.get(this.key(chat))?.record.settings ?? DEFAULT_SETTINGS;
  }

  updateSettings(chat: ChatAddress, patch: Partial<ChatSettings>, _now: number): ChatSettings {
    this.check();
    this.writes++;
    const entry = this.ensure(chat);
    entry.record = { ...entry.record, settings: { ...entry.record.settings, ...patch } };
    return entry.record.settings;
  }

  serviceIds(chat: ChatAddress): string[] {
    return this.listSubscriptions(chat)
      .map((s) => s.serviceId)
      .sort();
  }
}

/** Counts one report per user per service per {@link REPORT_DEDUP_MS}, like the SQLite store. */
export class FakeReportSink implements ReportSink {
  readonly counted: CrowdReport[] = [];
  /** Given with the next counted report, as the community notice rule would (then cleared). */
  nextNotice: { readonly reporters: number } | null = null;

  record(report: CrowdReport): ReportOutcome {
    const previous = this.counted.find(
      (r) =>
        r.serviceId === report.serviceId &&
        r.platform === report.platform &&
        r.userId === report.userId &&
        Math.abs(r.at - report.at) < REPORT_DEDUP_MS,
    );
    if (previous) return { kind: 'duplicate', previousAt: previous.at };
    this.counted.push(report);
    const notice = this.nextNotice;
    this.nextNotice = null;
    return notice === null ? { kind: 'counted' } : { kind: 'counted', communityNotice: notice };
  }
}

export class FakeIncidents implements IncidentReader {
  rows: IncidentRow[] = [];
  lastQuery: { readonly serviceIds?: readonly string[]; readonly limit: number } | null = null;

  incidents(query: { readonly serviceIds?: readonly string[]; readonly limit: number }): IncidentRow[] {
    this.lastQuery = query;
    return this.rows
      .filter((r) => query.serviceIds === undefined || query.serviceIds.includes(r.serviceId))
      .slice(0, query.limit);
  }
}

export interface Harness {
  readonly service: CommandService;
  readonly store: FakeSubscriptionStore;
  readonly reports: FakeReportSink;
  readonly incidents: FakeIncidents;
  readonly states: Map<string, ServiceState>;
  readonly clock: { now: () => number; advance: (ms: number) => void; set: (t: number) => void };
}

/** Budgets no functional test reaches; the rate-limit tests pass their own. */
const GENEROUS = { userRate: { burst: 1000, perMs: 1000 }, chatRate: { burst: 1000, perMs: 1000 } };

export function makeHarness(
  options: CommandServiceOptions = {},
  services: readonly WatchedService[] = SERVICES,
  extra: Pick<
    CommandServiceDeps,
    'monitors' | 'notes' | 'operators' | 'silences' | 'boards' | 'onBoardChange'
  > = {},
): Harness {
  let t = T0;
  const clock = {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    set: (at: number) => {
      t = at;
    },
  };
  const store = new FakeSubscriptionStore();
  const reports = new FakeReportSink();
  const incidents = new FakeIncidents();
  const states = new Map<string, ServiceState>();
  const service = new CommandService(
    {
      services: { services },
      states: { serviceState: (id) => states.get(id) },
      incidents,
      subscriptions: store,
      reports,
      clock,
      ...extra,
    },
    { ...GENEROUS, ...options },
  );
  return { service, store, reports, incidents, states, clock };
}

export interface RequestOptions {
  readonly platform?: Platform;
  readonly chatId?: string;
  readonly guildId?: string | null;
  readonly kind?: ChatKind;
  /** Default: the named platform's module's, none for an unlisted name. */
  readonly capabilities?: ChatCapabilities;
  readonly userId?: string;
  readonly admin?: boolean;
  readonly localeHint?: string;
  /** Counts isAdmin calls. */
  readonly adminCalls?: { count: number };
}

export function request(command: string, args: CommandArgs = {}, o: RequestOptions = {}): CommandRequest {
  const platform = o.platform ?? 'telegram';
  return {
    command,
    args,
    chat: {
      platform,
      chatId: o.chatId ?? (platform === 'discord' ? '800000000000000001' : '-100777'),
      guildId: o.guildId ?? (platform === 'discord' ? '700000000000000001' : null),
      kind: o.kind ?? 'group',
      capabilities: o.capabilities ?? capabilitiesOf(platform),
    },
    user: {
      id: o.userId ?? '424242',
      isAdmin: () => {
        if (o.adminCalls) o.adminCalls.count++;
        return Promise.resolve(o.admin ?? true);
      },
    },
    ...(o.localeHint === undefined ? {} : { localeHint: o.localeHint }),
  };
}

/** What the adapters put on requests of each listed platform. */
export function capabilitiesOf(platform: string): ChatCapabilities {
  return findPlatformModule(platform)?.capabilities ?? NO_CHAT_CAPABILITIES;
}

export const CHAT: ChatAddress = { platform: 'telegram', chatId: '-100777' };
export { ALL_SERVICES };

export function expectNonEmpty(text: string): void {
  expect(text.trim()).not.toBe('');
}
