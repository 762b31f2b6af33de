import { describeEvidence, MUTE_MS } from '../alert-message.js';
import { PROBLEM_KINDS, parseProblemKind, type ProblemKind } from '../crowd/problem-kind.js';
import { REPORT_DEDUP_MS } from '../crowd/report-admission.js';
import type { ReportSink } from '../crowd/report-port.js';
import { ALL_SERVICES, type ChatSettings } from '../delivery/ports.js';
import type { Rate } from '../delivery/token-bucket.js';
import {
  LOCALES,
  messagesFor,
  pickLocale,
  type Locale,
  type Messages,
  type ServiceTarget,
} from '../i18n/index.js';
import { toPlainLine, truncateText } from '../i18n/text-fit.js';
import type { Clock, State } from '../model.js';
import { CommandRateLimiter } from './command-rate-limit.js';
import {
  isCommandName,
  type CommandArgs,
  type CommandName,
  type CommandReply,
  type CommandRequest,
} from './command-request.js';
import type {
  WatchedService as ServiceInfo,
  CommandSubscriptionStore,
  IncidentReader,
  ServiceDirectory,
  ServiceStateReader,
} from './ports.js';
import { ServiceIndex, type Resolution } from './service-resolver.js';
import { fitList } from './reply-fit.js';
import {
  parseLanguage,
  parseQuietHours,
  parseRoleId,
  parseSeverity,
  parseTimeZone,
} from './settings-input.js';

/**
 * The chat commands of DESIGN §5 as platform-neutral use cases: both adapters turn their events
 * into a `CommandRequest` and render the `CommandReply`, so every command behaves the same on
 * Telegram and Discord. Every outcome is a reply in the chat's language; `handle` never rejects.
 */

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
}

export interface CommandServiceOptions {
  /** Commands per user (any chat). Default {@link DEFAULT_USER_RATE}. */
  readonly userRate?: Rate;
  /** Commands per chat (all its users). Default {@link DEFAULT_CHAT_RATE}. */
  readonly chatRate?: Rate;
  /** Longest reply text; lists are cut with a `… and N more` line. Default {@link MAX_REPLY_CHARS}. */
  readonly maxReplyChars?: number;
  /** Incidents `/incidents` lists. Default {@link INCIDENT_LIST_LIMIT}. */
  readonly incidentLimit?: number;
}

/** 5 commands in 10 seconds per user. */
export const DEFAULT_USER_RATE: Rate = { burst: 5, perMs: 10_000 };
/** 20 commands a minute per chat. */
export const DEFAULT_CHAT_RATE: Rate = { burst: 20, perMs: 60_000 };
/**
 * Under Telegram's 4096-character message limit (core.telegram.org/bots/api#sendmessage) and
 * Discord's 4096-character embed description (discord.com/developers/docs/resources/message#embed-object-embed-limits).
 * A Discord adapter that replies in plain `content` (2000) passes `maxReplyChars: 2000`.
 */
export const MAX_REPLY_CHARS = 4000;
export const INCIDENT_LIST_LIMIT = 10;
/** A user's text echoed in a reply (`I don't know the service "…"`) is cut to this. */
const MAX_ECHO_CHARS = 80;

/** Commands only admins may run outside private chats (DESIGN §5, "who"). */
const ADMIN_COMMANDS: ReadonlySet<CommandName> = new Set(['subscribe', 'unsubscribe', 'settings']);

/** What one request is answered with: the chat's language and settings, read once. */
interface Context {
  readonly request: CommandRequest;
  readonly m: Messages;
  readonly settings: ChatSettings;
  readonly now: number;
}

export class CommandService {
  private readonly index: ServiceIndex;
  private readonly limiter: CommandRateLimiter;
  private readonly maxReplyChars: number;
  private readonly incidentLimit: number;

  constructor(
    private readonly deps: CommandServiceDeps,
    options: CommandServiceOptions = {},
  ) {
    this.index = new ServiceIndex(deps.services.services);
    this.limiter = new CommandRateLimiter(
      options.userRate ?? DEFAULT_USER_RATE,
      options.chatRate ?? DEFAULT_CHAT_RATE,
    );
    this.maxReplyChars = Math.max(100, options.maxReplyChars ?? MAX_REPLY_CHARS);
    this.incidentLimit = Math.max(1, options.incidentLimit ?? INCIDENT_LIST_LIMIT);
  }

  /** Best services for a partly typed name (Discord autocomplete); at most 25. */
  autocomplete(query: string, limit?: number): { id: string; name: string }[] {
    return this.index.autocomplete(typeof query === 'string' ? query : '', limit);
  }

  /** `all`, a service, or unknown with suggestions. */
  resolveService(given: string): Resolution {
    return this.index.resolve(given);
  }

  /** The ids of the watched services (for `parseButtonPayload`). */
  serviceIds(): string[] {
    return this.index.services.map((s) => s.id);
  }

  /** Answers one command. Never rejects: port failures become `internalError` with `error` set. */
  async handle(request: CommandRequest): Promise<CommandReply> {
    let m = messagesFor(pickLocale(safeHint(request), LOCALES[0]));
    try {
      const context = this.context(request);
      m = context.m;
      const wait = this.limiter.check(request, context.now);
      if (wait > 0) return this.problem(m.commands.rateLimited({ retryAfterMs: wait }));
      return await this.dispatch(context);
    } catch (error) {
      return { text: this.fit(m.commands.internalError()), ephemeral: true, error };
    }
  }

  private context(request: CommandRequest): Context {
    const now = this.deps.clock.now();
    const store = this.deps.subscriptions;
    const settings = store.getSettings(request.chat);
    const known = store.getChat(request.chat) !== null;
    const locale: Locale = known ? settings.locale : pickLocale(safeHint(request), settings.locale);
    return { request, m: messagesFor(locale), settings, now };
  }

  private async dispatch(c: Context): Promise<CommandReply> {
    const name = c.request.command;
    if (!isCommandName(name)) {
      return this.problem(c.m.commands.unknownCommand({ command: `/${echo(name)}` }));
    }
    if (ADMIN_COMMANDS.has(name) && c.request.chat.kind !== 'private' && !(await c.request.user.isAdmin())) {
      return this.problem(c.m.commands.adminRequired());
    }
    const args = c.request.args;
    switch (name) {
      case 'start':
      case 'help':
        return this.info(c.m.commands.help({ withStart: c.request.chat.platform === 'telegram' }));
      case 'subscribe':
        return this.subscribe(c, args);
      case 'unsubscribe':
        return this.unsubscribe(c, args);
      case 'subscriptions':
        return this.subscriptions(c);
      case 'status':
        return this.status(c, args);
      case 'incidents':
        return this.incidents(c, args);
      case 'report':
        return this.report(c, args.service, args.problem, 'report');
      case 'report-button':
        return this.report(c, args.service, undefined, 'report-button');
      case 'services':
        return this.services(c);
      case 'settings':
        return this.settings(c, args);
      case 'mute-button':
        return this.mute(c, args);
    }
  }

  private subscribe(c: Context, args: CommandArgs): CommandReply {
    const service = this.serviceArgument(c, 'subscribe', args.service, true);
    if (service.kind === 'reply') return service.reply;
    const severity =
      args.severity === undefined
        ? { ok: true as const, value: 'minor' as const }
        : parseSeverity(args.severity);
    // No catalogue text of its own: "/subscribe needs a severity: major or minor" says what to type.
    if (!severity.ok)
      return this.problem(c.m.commands.missingArgument({ command: '/subscribe', argument: 'severity' }));
    const { request } = c;
    this.deps.subscriptions.subscribe(
      { platform: request.chat.platform, chatId: request.chat.chatId, guildId: request.chat.guildId },
      service.id,
      severity.value,
      c.now,
    );
    return this.info(c.m.commands.subscribed({ target: service.target, severity: severity.value }));
  }

  private unsubscribe(c: Context, args: CommandArgs): CommandReply {
    const service = this.serviceArgument(c, 'unsubscribe', args.service, true);
    if (service.kind === 'reply') return service.reply;
    const chat = c.request.chat;
    const removed =
      service.id === ALL_SERVICES
        ? this.deps.subscriptions.unsubscribeAll(chat) > 0
        : this.deps.subscriptions.unsubscribe(chat, service.id);
    return removed
      ? this.info(c.m.commands.unsubscribed({ target: service.target }))
      : this.problem(c.m.commands.notSubscribed({ target: service.target }));
  }

  private subscriptions(c: Context): CommandReply {
    const items = this.deps.subscriptions.listSubscriptions(c.request.chat).map((s) => ({
      target: this.target(s.serviceId),
      severity: s.minSeverity,
    }));
    // The all-services subscription first: it says the most.
    items.sort((a, b) => Number(b.target.kind === 'all') - Number(a.target.kind === 'all'));
    return this.info(
      fitList(items, (shown) => c.m.commands.subscriptions({ items: shown }), c.m, this.maxReplyChars),
    );
  }

  private status(c: Context, args: CommandArgs): CommandReply {
    const service = this.serviceArgument(c, 'status', args.service, false);
    if (service.kind === 'reply') return service.reply;
    const timeZone = c.settings.timeZone;
    if (service.id === ALL_SERVICES) {
      const lines = this.index.services.map((s) => this.statusLine(s, c.now));
      // Worst first, so a long overview that has to be cut drops healthy services.
      const ordered = lines
        .map((line, order) => ({ line, order }))
        .sort((a, b) => STATE_RANK[b.line.state] - STATE_RANK[a.line.state] || a.order - b.order)
        .map((x) => x.line);
      return this.info(
        fitList(
          ordered,
          (shown) => c.m.commands.statusOverview({ services: shown, timeZone }),
          c.m,
          this.maxReplyChars,
        ),
      );
    }
    const info = this.index.byId(service.id);
    if (info === undefined) throw new Error(`resolved service ${service.id} is not in the catalogue`);
    const state = this.deps.states.serviceState(info.id);
    const evidence = describeEvidence(state?.evidence ?? [], info.name, c.m).map(toPlainLine);
    const line = this.statusLine(info, c.now);
    const text = fitList(
      evidence,
      (shown) => c.m.commands.statusDetail({ service: line, evidence: shown, timeZone }),
      c.m,
      this.maxReplyChars,
    );
    return { ...this.info(text), chartServiceId: info.id };
  }

  private statusLine(s: ServiceInfo, now: number): { name: string; state: State; since: number } {
    const state = this.deps.states.serviceState(s.id);
    return { name: s.name, state: state?.status ?? 'unknown', since: state?.since ?? now };
  }

  private incidents(c: Context, args: CommandArgs): CommandReply {
    const service = this.serviceArgument(c, 'incidents', args.service, false);
    if (service.kind === 'reply') return service.reply;
    const rows = this.deps.incidents.incidents({
      ...(service.id === ALL_SERVICES ? {} : { serviceIds: [service.id] }),
      limit: this.incidentLimit,
    });
    const incidents = rows.map((r) => ({
      serviceName: this.index.byId(r.serviceId)?.name ?? r.serviceId,
      severity: r.severity,
      startedAt: r.startedAt,
      ...(r.resolvedAt === null ? {} : { durationMs: Math.max(0, r.resolvedAt - r.startedAt) }),
    }));
    const timeZone = c.settings.timeZone;
    return this.info(
      fitList(
        incidents,
        (shown) => c.m.commands.incidents({ incidents: shown, timeZone }),
        c.m,
        this.maxReplyChars,
      ),
    );
  }

  private report(
    c: Context,
    given: string | undefined,
    problemText: string | undefined,
    command: 'report' | 'report-button',
  ): CommandReply {
    const service = this.serviceArgument(c, command, given, false, command === 'report-button');
    if (service.kind === 'reply') return service.reply;
    if (service.id === ALL_SERVICES) {
      return this.problem(c.m.commands.unknownService({ given: echo(given ?? ''), suggestions: [] }));
    }
    const info = this.index.byId(service.id);
    const serviceName = info?.name ?? service.id;
    const problem = toProblemKind(problemText);
    const { chat, user } = c.request;
    const outcome = this.deps.reports.record({
      serviceId: service.id,
      platform: chat.platform,
      userId: user.id,
      chatId: chat.chatId,
      guildId: chat.guildId,
      problem,
      at: c.now,
    });
    const text =
      outcome.kind === 'counted'
        ? c.m.commands.reportAcknowledged({ serviceName, problem })
        : c.m.commands.alreadyReported({ serviceName, windowMs: REPORT_DEDUP_MS });
    return { text: this.fit(text), ephemeral: true };
  }

  private services(c: Context): CommandReply {
    const list = this.index.services.map((s) => ({ id: s.id, name: s.name }));
    return this.info(
      fitList(list, (shown) => c.m.commands.services({ services: shown }), c.m, this.maxReplyChars),
    );
  }

  private mute(c: Context, args: CommandArgs): CommandReply {
    const service = this.serviceArgument(c, 'mute-button', args.service, false, true);
    if (service.kind === 'reply') return service.reply;
    const until = Math.max(c.settings.mutedUntil ?? 0, c.now + MUTE_MS);
    const settings = this.deps.subscriptions.updateSettings(c.request.chat, { mutedUntil: until }, c.now);
    const serviceName = this.index.byId(service.id)?.name ?? service.id;
    return this.info(c.m.commands.muted({ serviceName, until, timeZone: settings.timeZone }));
  }

  private settings(c: Context, args: CommandArgs): CommandReply {
    const patch = this.settingsPatch(c, args);
    if (patch.kind === 'reply') return patch.reply;
    const changed = Object.keys(patch.patch).length > 0;
    const settings = changed
      ? this.deps.subscriptions.updateSettings(c.request.chat, patch.patch, c.now)
      : c.settings;
    const m = messagesFor(settings.locale);
    return this.info(
      m.commands.settings({
        changed,
        languageName: m.languageName,
        timeZone: settings.timeZone,
        quietHours: settings.quietHours,
        ...(c.request.chat.platform === 'discord' ? { mentionRoleId: settings.mentionRoleId } : {}),
      }),
    );
  }

  /** Every given value validated before anything is stored: one bad value changes nothing. */
  private settingsPatch(
    c: Context,
    args: CommandArgs,
  ): { kind: 'patch'; patch: Partial<ChatSettings> } | { kind: 'reply'; reply: CommandReply } {
    const m = c.m.commands;
    const refuse = (text: string): { kind: 'reply'; reply: CommandReply } => ({
      kind: 'reply',
      reply: this.problem(text),
    });
    const patch: { -readonly [K in keyof ChatSettings]?: ChatSettings[K] } = {};
    for (const argument of ['language', 'timezone', 'quiet', 'role'] as const) {
      const given = args[argument];
      if (given === undefined) continue;
      if (given.trim() === '') {
        return refuse(m.missingArgument({ command: '/settings', argument }));
      }
      switch (argument) {
        case 'language': {
          const parsed = parseLanguage(given);
          if (!parsed.ok) return refuse(m.invalidLanguage({ given: echo(given), supported: [...LOCALES] }));
          patch.locale = parsed.value;
          break;
        }
        case 'timezone': {
          const parsed = parseTimeZone(given);
          if (!parsed.ok) return refuse(m.invalidTimeZone({ given: echo(given) }));
          patch.timeZone = parsed.value;
          break;
        }
        case 'quiet': {
          const parsed = parseQuietHours(given);
          if (!parsed.ok) return refuse(m.invalidQuietHours({ given: echo(given) }));
          patch.quietHours = parsed.value;
          break;
        }
        case 'role': {
          const parsed = parseRoleId(given);
          // Only Discord has roles; the reply says what the option takes.
          if (!parsed.ok || c.request.chat.platform !== 'discord')
            return refuse(m.missingArgument({ command: '/settings', argument }));
          patch.mentionRoleId = parsed.value;
          break;
        }
      }
    }
    return { kind: 'patch', patch };
  }

  /**
   * The service a command names. `required` answers a missing one with `missingArgument`;
   * otherwise missing means all. `byId` takes the exact id first (button payloads).
   */
  private serviceArgument(
    c: Context,
    command: CommandName,
    given: string | undefined,
    required: boolean,
    byId = false,
  ): { kind: 'service'; id: string; target: ServiceTarget } | { kind: 'reply'; reply: CommandReply } {
    const m = c.m.commands;
    if (given === undefined || given.trim() === '') {
      if (required || byId || command === 'report') {
        return {
          kind: 'reply',
          reply: this.problem(
            m.missingArgument({ command: `/${commandLabel(command)}`, argument: 'service' }),
          ),
        };
      }
      return { kind: 'service', id: ALL_SERVICES, target: { kind: 'all' } };
    }
    const exact = byId ? this.index.byId(given) : undefined;
    const resolved: Resolution = exact ? { kind: 'service', service: exact } : this.index.resolve(given);
    switch (resolved.kind) {
      case 'all':
        return { kind: 'service', id: ALL_SERVICES, target: { kind: 'all' } };
      case 'service':
        return {
          kind: 'service',
          id: resolved.service.id,
          target: { kind: 'service', name: resolved.service.name },
        };
      case 'unknown':
        return {
          kind: 'reply',
          reply: this.problem(m.unknownService({ given: echo(given), suggestions: resolved.suggestions })),
        };
    }
  }

  private target(serviceId: string): ServiceTarget {
    if (serviceId === ALL_SERVICES) return { kind: 'all' };
    return { kind: 'service', name: this.index.byId(serviceId)?.name ?? serviceId };
  }

  private info(text: string): CommandReply {
    return { text: this.fit(text), ephemeral: false };
  }

  private problem(text: string): CommandReply {
    return { text: this.fit(text), ephemeral: true };
  }

  private fit(text: string): string {
    return truncateText(text, this.maxReplyChars);
  }
}

const STATE_RANK: Readonly<Record<State, number>> = {
  down: 4,
  degraded: 3,
  maintenance: 2,
  unknown: 1,
  up: 0,
};

/** Button actions are not typed by anyone; their errors name the command the button stands for. */
function commandLabel(command: CommandName): string {
  if (command === 'report-button') return 'report';
  if (command === 'mute-button') return 'mute';
  return command;
}

/** A problem kind from Discord's choice (`sending`) or a member's words (`messages not sending`). */
function toProblemKind(text: string | undefined): ProblemKind {
  if (text === undefined || text.trim() === '') return 'other';
  const word = text.trim().toLowerCase();
  return (PROBLEM_KINDS as readonly string[]).includes(word) ? (word as ProblemKind) : parseProblemKind(text);
}

/** A user's text as it may appear in a reply: one line, no bidi tricks, cut short. */
function echo(text: string): string {
  return truncateText(toPlainLine(text).trim(), MAX_ECHO_CHARS);
}

function safeHint(request: CommandRequest): string | undefined {
  return typeof request.localeHint === 'string' ? request.localeHint : undefined;
}
