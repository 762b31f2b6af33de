/**
 * A local Telegram Bot API server for end-to-end tests with the real telegraf client
 * (https://core.telegram.org/bots/api): `POST|GET /bot<token>/<method>` on 127.0.0.1, port 0.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { BotApiError, methodNotFound, tooManyRequests, unauthorized } from './api-error.js';
import type { BotApiChat, BotApiMessage, BotApiResponse, BotApiUser, MemberStatus } from './bot-api-types.js';
import { CHAT_METHODS } from './chat-methods.js';
import type { ChatSpec } from './chat-store.js';
import { ChatStore } from './chat-store.js';
import type {
  BotCommand,
  CallbackQueryRecord,
  CallRecord,
  FakeState,
  MethodHandler,
  SentMessageRecord,
} from './fake-state.js';
import { commandKey } from './fake-state.js';
import { MESSAGE_METHODS } from './message-methods.js';
import type { RateLimitConfig, StormSpec } from './rate-limits.js';
import { DEFAULT_RATE_LIMITS, SendThrottle, Storm } from './rate-limits.js';
import type { Params } from './request-params.js';
import { readParams } from './request-params.js';
import { UpdateQueue } from './update-queue.js';
import type { WebhookAttempt, WebhookInfo, WebhookTiming } from './webhook.js';
import { DEFAULT_WEBHOOK_TIMING, Webhook } from './webhook.js';
import { WEBHOOK_METHODS } from './webhook-methods.js';
import { CHANGE_EVENT, waitForChange } from './wait-for-change.js';
import {
  type UserMessageOptions,
  changeBotStatus,
  changeMemberStatus,
  closeForumTopic,
  createForumTopic,
  deleteForumTopic,
  forwardUserMessage,
  injectButtonPress,
  injectUserMessage,
  linkDiscussionGroup,
  migrateGroup,
} from './user-actions.js';

/** Token the fake accepts unless told otherwise; Telegram tokens are `<bot id>:<secret>`. */
export const DEFAULT_BOT_TOKEN = '7000000001:AAFakeTokenForLocalTestsOnly';
/** How long {@link FakeTelegram.waitFor} waits by default: a safety net, not a delay. */
export const DEFAULT_WAIT_MS = 5_000;

/** Options of {@link startFakeTelegram}. */
export interface FakeTelegramOptions {
  /** The only token the fake accepts; any other gets 401 Unauthorized. */
  token?: string;
  /** The bot's @username (without @). */
  botUsername?: string;
  /** Windows to override, or `false` to switch flood limits off. */
  rateLimits?: Partial<RateLimitConfig> | false;
  /** How quickly the webhook sender retries and gives up on an answer (see {@link WebhookTiming}). */
  webhookTiming?: Partial<WebhookTiming>;
}

const METHODS: Readonly<Record<string, MethodHandler>> = {
  ...CHAT_METHODS,
  ...MESSAGE_METHODS,
  ...WEBHOOK_METHODS,
};
const ROUTE = /^\/bot([^/]+)\/([A-Za-z]+)$/;

/** Starts the fake on 127.0.0.1 with an ephemeral port. Close it with {@link FakeTelegram.close}. */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const fake = new FakeTelegram(options);
  await fake.listen();
  return fake;
}

/**
 * The fake's state, its user-side helpers and its records. Every helper that changes state wakes
 * {@link FakeTelegram.waitFor}; every update it produces wakes a held getUpdates at once.
 */
export class FakeTelegram {
  readonly token: string;
  readonly bot: BotApiUser;
  private readonly events = new EventEmitter();
  private readonly state: FakeState;
  private readonly storm = new Storm();
  private readonly callLog: CallRecord[] = [];
  private readonly server: Server;
  private readonly inFlight = new Set<Promise<void>>();
  private root = '';
  private conflicts = 0;

  /** @internal use {@link startFakeTelegram} */
  constructor(options: FakeTelegramOptions) {
    this.token = options.token ?? DEFAULT_BOT_TOKEN;
    const botId = Number(this.token.split(':')[0]);
    this.bot = {
      id: Number.isInteger(botId) ? botId : 1,
      is_bot: true,
      first_name: 'Fake Alert Bot',
      username: options.botUsername ?? 'fake_alert_bot',
    };
    const limits = options.rateLimits === false ? false : { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
    const changed = (): void => {
      this.state.webhook.wake();
      this.events.emit(CHANGE_EVENT);
    };
    this.events.setMaxListeners(0); // one listener per pending waitFor
    const updates = new UpdateQueue(changed);
    const nowMs = (): number => Date.now();
    this.state = {
      store: new ChatStore(this.bot),
      updates,
      webhook: new Webhook(updates, { ...DEFAULT_WEBHOOK_TIMING, ...options.webhookTiming }, nowMs, changed),
      throttle: new SendThrottle(limits),
      sent: [],
      callbackQueries: new Map(),
      commands: new Map(),
      files: new Map(),
      nowMs,
      changed,
    };
    this.server = createServer((req, res) => {
      const handled = this.handle(req, res).finally(() => this.inFlight.delete(handled));
      this.inFlight.add(handled);
    });
  }

  /** @internal */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.root = `http://127.0.0.1:${port}`;
  }

  /** Pass to telegraf as `{ telegram: { apiRoot } }`. */
  get apiRoot(): string {
    return this.root;
  }

  /** Every call answered, in order. */
  get calls(): readonly CallRecord[] {
    return this.callLog;
  }

  /** Number of answered calls matching a (case-insensitive) method and/or an HTTP status. */
  callCount(filter: { method?: string; status?: number } = {}): number {
    const method = filter.method?.toLowerCase();
    return this.callLog.filter(
      (c) =>
        (method === undefined || c.method.toLowerCase() === method) &&
        (filter.status === undefined || c.status === filter.status),
    ).length;
  }

  /**
   * 409 answers that reached a bot: two getUpdates at once, getUpdates while a webhook is set, a
   * poll ended by setWebhook. A held poll whose client had already gone (telegraf's stop aborts
   * it) is not counted: no bot saw that answer.
   */
  get conflictCount(): number {
    return this.conflicts;
  }

  /** What getWebhookInfo answers now. */
  get webhookInfo(): WebhookInfo {
    return this.state.webhook.info();
  }

  /** Every POST of an update to a webhook, in order, with its outcome. */
  get webhookAttempts(): readonly WebhookAttempt[] {
    return this.state.webhook.attempts;
  }

  /** True while a getUpdates call is held open, waiting for updates. */
  get isPolling(): boolean {
    return this.state.updates.isPolling;
  }

  /** Updates produced but not yet confirmed by the bot. */
  get pendingUpdateCount(): number {
    return this.state.updates.size;
  }

  createUser(init: Partial<Omit<BotApiUser, 'id'>> = {}): BotApiUser {
    return this.state.store.createUser(init);
  }

  /** Creates a chat with its members; the bot is a member (see {@link ChatSpec}). */
  createChat(spec: ChatSpec): BotApiChat {
    return this.state.store.createChat(spec);
  }

  /** Messages the bot sent to this chat, oldest first, in their current (edited) state. */
  messages(chatId: number): readonly SentMessageRecord[] {
    return this.state.sent.filter((m) => m.chatId === chatId);
  }

  /** The chat's pinned messages (pinChatMessage, unpinChatMessage), oldest pin first. */
  pinned(chatId: number): readonly number[] {
    return this.state.store.get(chatId).pinnedMessageIds ?? [];
  }

  /** The message pinChatMessage pinned in the chat last, if any. */
  pinnedMessageId(chatId: number): number | undefined {
    return this.pinned(chatId).at(-1);
  }

  /** Every message of the chat as Telegram keeps it (users', the bot's, service messages), oldest first. */
  history(chatId: number): readonly BotApiMessage[] {
    return [...this.state.store.get(chatId).messages.values()];
  }

  /** Commands stored by setMyCommands for a scope (default scope if omitted) and language. */
  commands(scope?: object, languageCode?: string): readonly BotCommand[] | undefined {
    return this.state.commands.get(commandKey(scope, languageCode));
  }

  /** A callback query produced by {@link pressButton}, with the bot's answer once given. */
  callbackQuery(queryId: string): CallbackQueryRecord | undefined {
    return this.state.callbackQueries.get(queryId);
  }

  /**
   * A user writes `text`; a leading `/cmd` or `/cmd@bot` gets a bot_command entity. Options: in a
   * forum topic, or on behalf of a chat (anonymously as an admin of this group, or as a channel).
   * A post in a channel with a discussion group is also forwarded there automatically.
   */
  sendUserMessage(
    chatId: number,
    from: BotApiUser,
    text: string,
    options: UserMessageOptions = {},
  ): BotApiMessage {
    return injectUserMessage(this.state, chatId, from, text, options);
  }

  /** A user forwards message `messageId` of one chat to another (with `forward_origin`). */
  forwardMessage(
    fromChatId: number,
    messageId: number,
    toChatId: number,
    by: BotApiUser,
    options: { topic?: number } = {},
  ): BotApiMessage {
    return forwardUserMessage(this.state, fromChatId, messageId, toChatId, by, options);
  }

  /** Makes a supergroup the channel's discussion group: channel posts are auto-forwarded to it. */
  linkDiscussionGroup(channelId: number, groupId: number): void {
    linkDiscussionGroup(this.state, channelId, groupId);
  }

  /** A member opens a topic in a forum supergroup; returns its `message_thread_id`. */
  createTopic(chatId: number, by: BotApiUser, name: string): number {
    return createForumTopic(this.state, chatId, by, name);
  }

  /** An admin closes a topic (sends there: 400 TOPIC_CLOSED). */
  closeTopic(chatId: number, threadId: number): void {
    closeForumTopic(this.state, chatId, threadId);
  }

  /** An admin deletes a topic and its messages (sends there: 400 message thread not found). */
  deleteTopic(chatId: number, threadId: number): void {
    deleteForumTopic(this.state, chatId, threadId);
  }

  /** A user presses the inline button with `data` under a bot message; returns the query id. */
  pressButton(chatId: number, messageId: number, from: BotApiUser, data: string): string {
    return injectButtonPress(this.state, chatId, messageId, from, data);
  }

  /** Someone adds the bot (as member or admin); sends `my_chat_member`. */
  addBotToChat(chatId: number, by?: BotApiUser, status: 'member' | 'administrator' = 'member'): void {
    changeBotStatus(this.state, chatId, by, status);
  }

  /** An admin removes the bot (status `left`); later sends get 403. */
  removeBotFromChat(chatId: number, by?: BotApiUser): void {
    changeBotStatus(this.state, chatId, by, 'left');
  }

  /** An admin bans the bot (status `kicked`); sends get 403 `bot was kicked from the … chat`. */
  kickBot(chatId: number, by?: BotApiUser): void {
    changeBotStatus(this.state, chatId, by, 'kicked');
  }

  /** The user of a private chat blocks the bot; sends get 403 `bot was blocked by the user`. */
  blockBot(userChatId: number): void {
    if (this.state.store.get(userChatId).chat.type !== 'private') {
      throw new Error(`chat ${userChatId} is not a private chat`);
    }
    changeBotStatus(this.state, userChatId, undefined, 'kicked');
  }

  /** Changes a user's status (promote, demote, ban…); sends a `chat_member` update. */
  setMemberStatus(chatId: number, user: BotApiUser, status: MemberStatus): void {
    changeMemberStatus(this.state, chatId, user, status);
  }

  /** Upgrades a basic group to a supergroup and returns the new chat id. */
  migrateGroup(chatId: number): number {
    return migrateGroup(this.state, chatId);
  }

  /** Answers matching calls with 429 `retry_after` until the storm ends (see {@link StormSpec}). */
  startStorm(spec: StormSpec): void {
    this.storm.start(spec, Date.now());
  }

  stopStorm(): void {
    this.storm.stop();
  }

  /**
   * Resolves with the predicate's value once it is neither undefined, null nor false. The predicate
   * runs now and after every state change (call answered, update queued, message stored, poll held
   * or released), so tests never sleep. Rejects after `timeoutMs`, or at once if the predicate throws.
   */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    return waitForChange(this.events, predicate, timeoutMs);
  }

  /** Answers held polls with no updates, lets answers in flight go out, then closes the server. */
  async close(): Promise<void> {
    this.state.updates.close();
    await this.state.webhook.close();
    await Promise.all(this.inFlight);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.root);
    const aborted = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    const match = ROUTE.exec(url.pathname);
    const method = match?.[2] ?? url.pathname;
    let params: Params | undefined;
    let body: BotApiResponse;
    try {
      if (match === null) throw methodNotFound();
      params = await readParams(req, url);
      body = { ok: true, result: await this.dispatch(match[1] ?? '', method, params, aborted.signal) };
    } catch (error) {
      // a bug in the fake answers 500 (telegraf: TelegramError 500) and shows up in `calls`
      const failure =
        error instanceof BotApiError ? error : new BotApiError(500, `fake bug: ${String(error)}`);
      body = failure.toResponse();
    }
    const status = body.ok ? 200 : body.error_code;
    this.record(method, params, status, body);
    if (aborted.signal.aborted) return;
    if (status === 409) this.conflicts++;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async dispatch(
    token: string,
    method: string,
    params: Params,
    signal: AbortSignal,
  ): Promise<unknown> {
    if (token !== this.token) throw unauthorized();
    const handler = METHODS[method.toLowerCase()];
    if (handler === undefined) throw methodNotFound();
    const retryAfterS = this.storm.take(method, Date.now());
    if (retryAfterS !== undefined) throw tooManyRequests(retryAfterS);
    return await handler(this.state, params, signal);
  }

  private record(method: string, params: Params | undefined, status: number, body: BotApiResponse): void {
    const files = Object.fromEntries(
      [...(params?.files ?? [])].map(([name, f]) => [name, { filename: f.filename, size: f.bytes.length }]),
    );
    this.callLog.push({
      method,
      params: { ...params?.values, ...files },
      status,
      description: body.ok ? undefined : body.description,
      parameters: body.ok ? undefined : body.parameters,
      at: Date.now(),
    });
    this.events.emit(CHANGE_EVENT);
  }
}
