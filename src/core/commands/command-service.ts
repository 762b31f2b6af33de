import type { Rate } from '../delivery/token-bucket.js';
import { LOCALES, messagesFor, pickLocale } from '../i18n/index.js';
import { truncateText } from '../i18n/text-fit.js';
import { CommandContext, echo, type CommandServiceDeps } from './command-context.js';
import { CommandRateLimiter } from './command-rate-limit.js';
import { type ComponentChoice, componentChoices } from './component-completion.js';
import type { ChatCapabilities, CommandReply, CommandRequest } from './command-request.js';
import { monitorScopeOf } from './monitor-scope.js';
import { findCommand } from './registry.js';
import { ServiceIndex, type Resolution } from './service-resolver.js';

export type { CommandServiceDeps } from './command-context.js';

/**
 * The chat commands (README, Chat commands) as platform-neutral use cases: both adapters turn their events
 * into a `CommandRequest` and render the `CommandReply`, so every command behaves the same on
 * Telegram and Discord. Every outcome is a reply in the chat's language; `handle` never rejects.
 */

export interface CommandServiceOptions {
  /** Commands per user (any chat). Default {@link DEFAULT_USER_RATE}. */
  readonly userRate?: Rate;
  /** Commands per chat (all its users together). Default {@link DEFAULT_CHAT_RATE}. */
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
 * Under Telegram's 4096-character message text (core.telegram.org/bots/api#sendmessage) and
 * Discord's 4096-character embed description (discord.com/developers/docs/resources/message#embed-object-embed-limits).
 * A Discord adapter replying in plain `content` (2000 characters) passes `maxReplyChars: 2000`.
 */
export const MAX_REPLY_CHARS = 4000;
/** Shortest reply limit accepted: every catalogue message fits in it. */
const MIN_REPLY_CHARS = 200;
export const INCIDENT_LIST_LIMIT = 10;

export class CommandService {
  private readonly index: ServiceIndex;
  private readonly limiter: CommandRateLimiter;
  private readonly maxReplyChars: number;
  private readonly incidentLimit: number;

  /**
   * Reads the catalogue's services once; a changed catalogue needs a new service. Chat-added
   * services come from `deps.monitors` on every request, each community seeing only its own.
   */
  constructor(
    private readonly deps: CommandServiceDeps,
    options: CommandServiceOptions = {},
  ) {
    this.index = new ServiceIndex(deps.services.services);
    this.limiter = new CommandRateLimiter(
      options.userRate ?? DEFAULT_USER_RATE,
      options.chatRate ?? DEFAULT_CHAT_RATE,
    );
    this.maxReplyChars = Math.max(MIN_REPLY_CHARS, options.maxReplyChars ?? MAX_REPLY_CHARS);
    this.incidentLimit = Math.max(1, options.incidentLimit ?? INCIDENT_LIST_LIMIT);
  }

  /**
   * Best services for a partly typed name (Discord autocomplete): at most `limit`, never over 25.
   * With `scope` (the chat asking, and its guild) the community's own chat-added services are
   * included; without it only the catalogue's.
   */
  autocomplete(
    query: string,
    limit?: number,
    scope?: {
      readonly platform: string;
      readonly chatId: string;
      readonly guildId?: string | null;
      readonly capabilities?: ChatCapabilities;
    },
  ): { id: string; name: string }[] {
    return this.indexFor(scope).autocomplete(typeof query === 'string' ? query : '', limit);
  }

  /**
   * `/watch`'s components for Discord autocomplete: the page at `url` read through the monitors
   * port (cached there; nothing when it is not read within `waitMs`), offered by
   * `componentChoices` for what is `typed`. Never rejects: no port or a failure offers nothing.
   */
  async completeComponents(url: string, typed: string, waitMs: number): Promise<ComponentChoice[]> {
    const port = this.deps.monitors;
    const target = typeof url === 'string' ? url.trim() : '';
    if (port?.pageComponents === undefined || target === '') return [];
    try {
      const names = await port.pageComponents(target, waitMs);
      return componentChoices(typeof typed === 'string' ? typed : '', names);
    } catch {
      return [];
    }
  }

  /** `all`, one service, or unknown with the closest names. */
  resolveService(given: string): Resolution {
    return this.index.resolve(given);
  }

  /**
   * The ids of the watched services, for `parseButtonPayload`: the catalogue's and every chat
   * service's (a button names a service of its own chat; `handle` resolves it for that chat only).
   */
  serviceIds(): string[] {
    return [...this.index.services.map((s) => s.id), ...(this.deps.monitors?.serviceIds() ?? [])];
  }

  /** The catalogue's services plus the chat-added ones `scope`'s community owns. */
  private indexFor(scope: Parameters<typeof monitorScopeOf>[0] | undefined): ServiceIndex {
    const port = this.deps.monitors;
    const owner = scope === undefined ? null : monitorScopeOf(scope);
    if (port === undefined || owner === null) return this.index;
    return this.index.with(port.servicesOf(owner));
  }

  /**
   * Answers one command. Never rejects: a port that throws (or `isAdmin` rejecting) gives
   * `internalError`, with the exception in `error` for the adapter to log; one that could not
   * store a change (its error has `storageUnavailable: true`) gives `storageUnavailable`.
   */
  async handle(request: CommandRequest): Promise<CommandReply> {
    let m = messagesFor(pickLocale(hintOf(request), LOCALES[0]));
    try {
      const c = await this.context(request);
      m = c.m;
      const rate = this.limiter.check(request, c.now);
      if (rate.kind === 'refused') {
        const reply = c.problem(
          m.commands.rateLimited({ retryAfterMs: Math.max(1, Math.ceil(rate.retryAfterMs / 1000)) * 1000 }),
        );
        return rate.repeated ? { ...reply, droppable: true } : reply;
      }
      return await this.dispatch(c);
    } catch (error) {
      // The store could not save what the command asked (disk full): said plainly; the store's
      // health has logged it once already, so no error for the adapter to log again.
      if ((error as { storageUnavailable?: unknown } | null)?.storageUnavailable === true)
        return { text: truncateText(m.commands.storageUnavailable(), this.maxReplyChars), ephemeral: true };
      return { text: truncateText(m.commands.internalError(), this.maxReplyChars), ephemeral: true, error };
    }
  }

  /** The chat's language; the interaction's only for a chat we have never stored. */
  private async context(request: CommandRequest): Promise<CommandContext> {
    const store = this.deps.subscriptions;
    const settings = await store.getSettings(request.chat);
    const known = (await store.getChat(request.chat)) !== null;
    const locale = known ? settings.locale : pickLocale(hintOf(request), settings.locale);
    const now = this.deps.clock.now();
    const m = messagesFor(locale);
    const index = this.indexFor(request.chat);
    return new CommandContext(
      request,
      m,
      settings,
      now,
      this.deps,
      index,
      this.maxReplyChars,
      !known,
      this.incidentLimit,
    );
  }

  /**
   * Runs the registered command of this name (registry.ts): admins-only ones (the README's "who")
   * ask the platform about the caller first, outside private chats.
   */
  private async dispatch(c: CommandContext): Promise<CommandReply> {
    const { command, chat, user, args } = c.request;
    const definition = findCommand(command);
    if (definition === undefined)
      return c.problem(c.m.commands.unknownCommand({ command: `/${echo(command)}` }));
    const checked =
      definition.who === 'admins' &&
      chat.kind !== 'private' &&
      definition.answersWithoutAdmin?.(this.deps) !== true;
    if (checked && !(await user.isAdmin())) return c.problem(c.m.commands.adminRequired());
    return definition.handle(c, args);
  }
}

function hintOf(request: CommandRequest): string | undefined {
  return typeof request.localeHint === 'string' ? request.localeHint : undefined;
}
