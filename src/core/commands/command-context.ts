import type { BoardStore } from '../board.js';
import type { ReportSink } from '../crowd/report-port.js';
import { ALL_SERVICES, type ChatSettings, type SilenceStore } from '../delivery/ports.js';
import type { Messages, ServiceTarget } from '../i18n/index.js';
import type { NoteStore } from '../incident-notes.js';
import { toPlainLine, truncateText } from '../i18n/text-fit.js';
import type { Clock } from '../model.js';
import type { CommandReply, CommandRequest } from './command-request.js';
import type {
  CommandSubscriptionStore,
  IncidentReader,
  MaintenanceCommandPort,
  MonitorCommandPort,
  WatchCommandPort,
  ServiceDirectory,
  ServiceStateReader,
} from './ports.js';
import { fitList } from './reply-fit.js';
import type { ServiceIndex } from './service-resolver.js';

/** What the use cases are built from; the composition root passes the real objects (see ports.ts). */
export interface CommandServiceDeps {
  /** The loaded `Catalog` (its `services`). */
  readonly services: ServiceDirectory;
  /** The `DetectionEngine`. */
  readonly states: ServiceStateReader;
  /** The `SqliteQueryStore`. */
  readonly incidents: IncidentReader;
  /** The `SqliteSubscriptionStore`. */
  readonly subscriptions: CommandSubscriptionStore;
  /** The crowd report store (`RunningApp.reports`). */
  readonly reports: ReportSink;
  readonly clock: Clock;
  /**
   * Monitors added from chat, the `ChatMonitorService`. Absent: `/monitor` answers that
   * custom monitors are not enabled, and only the catalogue's services exist. `/watch` needs its
   * `watch` too, `/maintenance` its maintenance methods.
   */
  readonly monitors?: MonitorCommandPort & Partial<WatchCommandPort> & Partial<MaintenanceCommandPort>;
  /**
   * Where `/note` stores a note and tells the incident's chats (the note store and the outbox).
   * Absent: `/note` is refused as not allowed.
   */
  readonly notes?: Pick<NoteStore, 'addNote'>;
  /**
   * The chats' per-service silences (`/silence <service> <duration>`). Absent: only `all` can be
   * silenced, and naming a service says so.
   */
  readonly silences?: SilenceStore;
  /** `OPERATORS`: `platform:userId` of who may note any incident. */
  readonly operators?: ReadonlySet<string>;
  /** Where `/board` records the chat's live board. Absent: `/board` answers with an internal error. */
  readonly boards?: Pick<BoardStore, 'startBoard' | 'stopBoard'>;
  /** A board was asked for: the outbox workers are woken to post it. */
  readonly onBoardChange?: () => void;
}

/** A user's text echoed in a reply (`I don't know the service "…"`) is cut to this. */
const MAX_ECHO_CHARS = 80;

/** A user's text as it may appear in a reply: one line, no bidi tricks, cut short. */
export function echo(text: string): string {
  return truncateText(toPlainLine(text).trim(), MAX_ECHO_CHARS);
}

/** The service a command names, or the reply that explains why there is none. */
export type ServiceArgument =
  | { readonly kind: 'service'; readonly id: string; readonly name: string; readonly target: ServiceTarget }
  | { readonly kind: 'all'; readonly target: ServiceTarget }
  | { readonly kind: 'reply'; readonly reply: CommandReply };

/**
 * One request being answered: the chat's language and settings (read once), the time, and the
 * helpers every command uses to build replies that fit.
 */
export class CommandContext {
  constructor(
    readonly request: CommandRequest,
    readonly m: Messages,
    readonly settings: ChatSettings,
    readonly now: number,
    readonly deps: CommandServiceDeps,
    readonly index: ServiceIndex,
    private readonly maxReplyChars: number,
    /** The store has no record of this chat yet: `m` speaks the interaction's language. */
    readonly newChat: boolean,
    /** Incidents `/incidents` lists (`CommandServiceOptions.incidentLimit`). */
    readonly incidentLimit: number,
  ) {}

  /**
   * The language to store with the first record of a private chat: the one its replies already
   * speak (the user's app language, docs/design.md §6), so alerts that follow do too. Nothing for known
   * chats and groups: one member's app language is not the group's.
   */
  firstLocale(): { locale: Messages['locale'] } | Record<string, never> {
    const adopt =
      this.newChat && this.request.chat.kind === 'private' && this.m.locale !== this.settings.locale;
    return adopt ? { locale: this.m.locale } : {};
  }

  /** A reply everyone in the chat may see. */
  info(text: string): CommandReply {
    return { text: truncateText(text, this.maxReplyChars), ephemeral: false };
  }

  /** A reply for the caller only: errors, refusals, report receipts. */
  problem(text: string): CommandReply {
    return { text: truncateText(text, this.maxReplyChars), ephemeral: true };
  }

  /** A list reply cut with `… and N more` to the reply limit. */
  list<T>(items: readonly T[], render: (shown: readonly T[]) => string): CommandReply {
    return this.info(fitList(items, render, this.m, this.maxReplyChars));
  }

  /**
   * Resolves the `service` argument of `command`. Absent: `missingArgument` when `required`,
   * otherwise all services. Button payloads carry exact ids, tried first.
   */
  service(command: string, given: string | undefined, required: boolean): ServiceArgument {
    const m = this.m.commands;
    if (given === undefined || given.trim() === '') {
      if (!required) return { kind: 'all', target: { kind: 'all' } };
      return {
        kind: 'reply',
        reply: this.problem(m.missingArgument({ command: `/${command}`, argument: 'service' })),
      };
    }
    const exact = this.index.byId(given);
    const resolved = exact ? { kind: 'service' as const, service: exact } : this.index.resolve(given);
    switch (resolved.kind) {
      case 'all':
        return { kind: 'all', target: { kind: 'all' } };
      case 'service': {
        const { id, name } = resolved.service;
        return { kind: 'service', id, name, target: { kind: 'service', name } };
      }
      case 'unknown':
        return {
          kind: 'reply',
          reply: this.problem(m.unknownService({ given: echo(given), suggestions: resolved.suggestions })),
        };
    }
  }

  /** How a stored subscription names its service. */
  target(serviceId: string): ServiceTarget {
    if (serviceId === ALL_SERVICES) return { kind: 'all' };
    return { kind: 'service', name: this.serviceName(serviceId) };
  }

  /** The display name, or the id of a service no longer in the catalogue. */
  serviceName(serviceId: string): string {
    return this.index.byId(serviceId)?.name ?? serviceId;
  }
}
