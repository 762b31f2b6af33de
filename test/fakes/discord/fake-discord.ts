/**
 * A local Discord for end-to-end tests: one HTTP server on 127.0.0.1 serving REST under `/api/v10`
 * and the gateway WebSocket, driven by the unmodified discord.js client (docs/platforms.md §2).
 *
 * ```ts
 * const fake = await startFakeDiscord({ heartbeatIntervalMs: 200 });
 * const guild = fake.addGuild({ name: 'Ops', channels: [{ name: 'alerts' }], members: [{ username: 'ana', permissions: '16' }] });
 * const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.restUrl } });
 * await client.login(fake.token);
 * ```
 * Destroy the client before `fake.close()`: a client whose server vanished keeps reconnecting.
 */
import type { Server } from 'node:http';
import { ChangeWaiters, DEFAULT_WAIT_MS } from './change-waiters.js';
import { GLOBAL_SCOPE } from './command-store.js';
import type { FakeState } from './fake-state.js';
import { FakeGateway } from './gateway.js';
import type { ChannelRecord, ChannelSpec, GuildSpec } from './guild-store.js';
import { buildInteraction, type InteractionSpec } from './interaction-builder.js';
import { channelPayload, guildCreatePayload } from './payloads.js';
import { PermissionBits } from './permissions.js';
import type { RateLimitOptions, StormOptions } from './rate-limits.js';
import type {
  CallRecord,
  GatewayLogEntry,
  InteractionCallbackRecord,
  InteractionRecord,
  MessageRecord,
} from './records.js';
import { RestRouter } from './rest-router.js';
import { channelRoutes } from './routes-channels.js';
import { commandRoutes } from './routes-commands.js';
import { interactionRoutes } from './routes-interactions.js';
import { gatewayUrl, metaRoutes } from './routes-meta.js';

/** Options of {@link startFakeDiscord}; every figure defaults to Discord's own. */
export interface FakeDiscordOptions {
  /** The bot token the fake accepts; default `fake-discord-bot-token`. */
  token?: string;
  applicationId?: string;
  botUsername?: string;
  /** HELLO's `heartbeat_interval`; default 1 s (Discord: ~41 s) so tests exercise heartbeats. */
  heartbeatIntervalMs?: number;
  /** Deadline of the first interaction response; Discord: 3 s. */
  interactionCallbackWindowMs?: number;
  /** Lifetime of interaction tokens for follow-ups and edits; Discord: 15 min. */
  interactionTokenLifetimeMs?: number;
  rateLimits?: RateLimitOptions;
  /**
   * Largest file per attachment; bigger uploads get 413 40005 as on Discord. Default 25 MiB,
   * what a guild without boosts reported when this fake was written (reference.mdx "Uploading Files").
   */
  attachmentSizeLimitBytes?: number;
  /** Application command creates per scope; Discord: 200 per day. */
  commandCreatesPerDay?: number;
  /** Milliseconds clock for interaction deadlines and rate-limit windows; default `Date.now`. */
  clock?: () => number;
  /**
   * A session whose shard would hold more guilds than this is closed with 4011 Sharding required;
   * Discord: 2,500. Lower it to test sharding with a few guilds.
   */
  maxGuildsPerShard?: number;
  /**
   * `max_concurrency` of `GET /gateway/bot`; default 1 as for most bots, where discord.js waits 5 s
   * between the identifies of a client's shards. 16 lets up to 16 shards identify at once.
   */
  maxConcurrency?: number;
  /** Called for routes the fake does not implement (they answer 404 code 0); default `console.warn`. */
  onUnknownRoute?: (method: string, path: string) => void;
}

/** Ids of what {@link FakeDiscord.addGuild} built, keyed by name. */
export interface FakeGuild {
  id: string;
  name: string;
  /** Channel name → id. */
  channels: Readonly<Record<string, string>>;
  /** Username → id, the bot included. */
  members: Readonly<Record<string, string>>;
  /** Role name → id, `@everyone` included. */
  roles: Readonly<Record<string, string>>;
}

/** A dispatched interaction and what the bot did with it. */
export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  /** The INTERACTION_CREATE payload as sent. */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly record: Readonly<InteractionRecord>;
  /** False when no gateway session held the guild's shard: nobody can answer it. */
  readonly delivered: boolean;
  /** Resolves with the first accepted callback; rejects after `timeoutMs` (default 5 s). */
  response(timeoutMs?: number): Promise<InteractionCallbackRecord>;
  /** The `@original` message (reply, deferred placeholder, or the updated component message). */
  original(): MessageRecord | undefined;
  followUps(): MessageRecord[];
}

/** Late-bound callbacks of {@link FakeState}, filled in by {@link FakeDiscord}. */
export interface StateHooks {
  dispatch(event: string, data: Record<string, unknown>, guildId?: string): number;
  changed(): void;
  reportUnknownRoute(method: string, path: string): void;
}

/** Close code that makes discord.js resume (any 4000-range code it does not treat specially). */
const RESUMABLE_CLOSE_CODE = 4_000;

function byName<T>(items: Iterable<T>, name: (t: T) => string, id: (t: T) => string): Record<string, string> {
  return Object.fromEntries([...items].map((t) => [name(t), id(t)]));
}

/** The running fake. Create it with {@link startFakeDiscord}. */
export class FakeDiscord {
  private readonly waiters = new ChangeWaiters();
  private readonly gateway: FakeGateway;
  private readonly unknown: string[] = [];
  private closed = false;

  /** @internal use {@link startFakeDiscord} */
  constructor(
    private readonly server: Server,
    private readonly state: FakeState,
    hooks: StateHooks,
    heartbeatIntervalMs: number,
    onUnknownRoute: (method: string, path: string) => void,
  ) {
    this.gateway = new FakeGateway(state, heartbeatIntervalMs);
    hooks.dispatch = (event, data, guildId) => this.gateway.dispatch(event, data, guildId);
    hooks.changed = () => this.waiters.notify();
    hooks.reportUnknownRoute = (method, path) => {
      this.unknown.push(`${method} ${path}`);
      onUnknownRoute(method, path);
    };
    const router = new RestRouter(state, [
      ...metaRoutes,
      ...channelRoutes,
      ...commandRoutes,
      ...interactionRoutes,
    ]);
    server.on('request', (req, res) => void router.handle(req, res));
    server.on('upgrade', (req, socket, head: Buffer) => {
      if (!this.gateway.handleUpgrade(req, socket, head)) socket.destroy();
    });
  }

  /** For `new Client({ rest: { api: fake.restUrl } })`; discord.js appends `/v10`. */
  get restUrl(): string {
    return `${this.state.origin()}/api`;
  }
  get gatewayUrl(): string {
    return gatewayUrl(this.state);
  }
  get token(): string {
    return this.state.token;
  }
  get applicationId(): string {
    return this.state.applicationId;
  }
  get botUser(): { id: string; username: string } {
    return { ...this.state.bot };
  }
  /** Every REST call answered, oldest first. */
  get calls(): readonly CallRecord[] {
    return this.state.calls;
  }
  /** Every gateway frame sent or received, oldest first. */
  get gatewayLog(): readonly GatewayLogEntry[] {
    return this.gateway.log;
  }
  /** `METHOD /path` of requests no route matched. */
  get unknownRoutes(): readonly string[] {
    return this.unknown;
  }
  /** Interactions no gateway session received (their guild's shard had none), oldest first. */
  get undeliveredInteractions(): readonly InteractionRecord[] {
    return [...this.state.interactions.values()].filter((i) => !i.delivered);
  }
  /** `[shard_id, num_shards]` of each gateway session that is valid now, in identify order. */
  get sessionShards(): [number, number][] {
    return this.gateway.activeShards();
  }
  /** 429 answers returned so far. */
  get rateLimitedCount(): number {
    return this.state.limiter.tooManyRequests;
  }

  /** Builds a guild with the bot in it; after login the client gets GUILD_CREATE (bot joined). */
  addGuild(spec: GuildSpec): FakeGuild {
    const guild = this.state.guilds.add(spec);
    this.state.dispatch('GUILD_CREATE', guildCreatePayload(guild), guild.id);
    return {
      id: guild.id,
      name: guild.name,
      channels: byName(
        guild.channels,
        (c) => c.name,
        (c) => c.id,
      ),
      members: byName(
        guild.members.values(),
        (m) => m.username,
        (m) => m.id,
      ),
      roles: byName(
        guild.roles,
        (r) => r.name,
        (r) => r.id,
      ),
    };
  }

  /** Adds a channel (CHANNEL_CREATE) and returns its id. */
  addChannel(guildId: string, spec: ChannelSpec): string {
    const guild = this.state.guilds.guilds.get(guildId);
    if (guild === undefined) throw new Error(`fake discord: unknown guild ${guildId}`);
    const channel = this.state.guilds.addChannel(guild, spec);
    this.state.dispatch('CHANNEL_CREATE', channelPayload(channel), guild.id);
    return channel.id;
  }

  /** The bot is removed from the guild: GUILD_DELETE, then REST answers 50001 Missing Access. */
  deleteGuild(guildId: string): void {
    const guild = this.state.guilds.guilds.get(guildId);
    if (guild === undefined) throw new Error(`fake discord: unknown guild ${guildId}`);
    guild.removed = true;
    this.state.dispatch('GUILD_DELETE', { id: guildId }, guildId);
  }

  /** CHANNEL_DELETE, then REST answers 404 10003 Unknown Channel. */
  deleteChannel(channelId: string): void {
    const channel = this.channel(channelId);
    channel.deleted = true;
    this.state.dispatch('CHANNEL_DELETE', channelPayload(channel), channel.guildId);
  }

  /**
   * Someone deletes a thread: THREAD_DELETE, its messages go with it, and REST answers 404 10003
   * Unknown Channel for it (posts, archiving). Its starter message stays and may start a new
   * thread, which gets the message's id again.
   */
  deleteThread(threadId: string): void {
    const thread = this.channel(threadId);
    if (thread.thread === undefined) throw new Error(`fake discord: ${threadId} is no thread`);
    thread.deleted = true;
    for (const message of this.state.messages.inChannel(threadId)) message.deleted = true;
    this.state.dispatch(
      'THREAD_DELETE',
      { id: thread.id, guild_id: thread.guildId, parent_id: thread.thread.parentId, type: thread.type },
      thread.guildId,
    );
  }

  /** Denies the bot VIEW_CHANNEL (CHANNEL_UPDATE); REST answers 403 50001 Missing Access. */
  revokeAccess(channelId: string): void {
    this.denyBot(channelId, PermissionBits.ViewChannel);
  }

  /** Denies the bot SEND_MESSAGES (CHANNEL_UPDATE); sends answer 403 50013 Missing Permissions. */
  revokeSendPermission(channelId: string): void {
    this.denyBot(channelId, PermissionBits.SendMessages);
  }

  /** Dispatches INTERACTION_CREATE and tracks the bot's answer. */
  interaction(spec: InteractionSpec): InteractionHandle {
    const { record, payload } = buildInteraction(this.state, spec);
    this.state.interactions.set(record.id, record);
    record.delivered = this.state.dispatch('INTERACTION_CREATE', payload, record.guildId) > 0;
    const messages = this.state.messages.byId;
    return {
      id: record.id,
      token: record.token,
      payload,
      record,
      get delivered() {
        return record.delivered;
      },
      response: (timeoutMs = DEFAULT_WAIT_MS) => this.waitFor(() => record.response, timeoutMs),
      original: () => messages.get(record.originalMessageId ?? ''),
      followUps: () => record.followUpIds.flatMap((id) => messages.get(id) ?? []),
    };
  }

  /**
   * Sends any dispatch event: a guild's event (one with `guild_id`, or a `GUILD_*` event's `id`)
   * to the sessions of the guild's shard, any other to every session. Returns how many got it.
   */
  dispatch(event: string, data: Record<string, unknown>): number {
    const guildId = data.guild_id ?? (event.startsWith('GUILD_') ? data.id : undefined);
    return this.state.dispatch(event, data, typeof guildId === 'string' ? guildId : undefined);
  }

  /** What `GET /gateway/bot` recommends as `shards` from now on (default 1). */
  setRecommendedShards(count: number): void {
    if (!Number.isSafeInteger(count) || count < 1)
      throw new Error(`fake discord: recommended shards must be an integer ≥ 1, got ${count}`);
    this.state.sharding.recommendedShards = count;
  }

  /** Op 7 RECONNECT: the client must RESUME on `resume_gateway_url`; dispatches meanwhile are replayed. */
  forceReconnect(): void {
    this.gateway.requestReconnect();
  }

  /** Op 9 INVALID_SESSION; with `resumable: false` (default) the client must IDENTIFY again. */
  invalidateSession(resumable = false): void {
    this.gateway.invalidateSessions(resumable);
  }

  /** Closes every gateway socket with `code` (default 4000: the client resumes). */
  dropConnections(code = RESUMABLE_CLOSE_CODE): void {
    this.gateway.dropConnections(code);
  }

  /** Stops (or resumes) HEARTBEAT_ACKs, so the client declares the connection a zombie. */
  setHeartbeatAcks(enabled: boolean): void {
    this.gateway.ackHeartbeats = enabled;
  }

  /** Forces 429s on the next matching requests. */
  storm(options: StormOptions): void {
    this.state.limiter.addStorm(options);
  }

  /** Messages in a channel, oldest first: channel sends, interaction replies and follow-ups. */
  messagesIn(channelId: string): MessageRecord[] {
    return this.state.messages.inChannel(channelId);
  }

  /** The thread started from a message (its id is the message's), or undefined; a deleted one too. */
  threadOf(messageId: string): ChannelRecord | undefined {
    const channel = this.state.guilds.channels.get(messageId);
    return channel?.thread === undefined ? undefined : channel;
  }

  /** Registered commands of a guild, or the global ones when `guildId` is left out. */
  commands(guildId?: string): Record<string, unknown>[] {
    return this.state.commands.list(guildId ?? GLOBAL_SCOPE);
  }

  /** Command creates counted towards the daily limit of a guild (or global). */
  commandCreates(guildId?: string): number {
    return this.state.commands.creates.get(guildId ?? GLOBAL_SCOPE) ?? 0;
  }

  /**
   * Resolves with the first truthy value of `predicate`, checked now and after every request or
   * gateway frame; rejects after `timeoutMs` (default 5 s) or when the fake closes.
   */
  waitFor<T>(predicate: () => T, timeoutMs = DEFAULT_WAIT_MS): Promise<NonNullable<T>> {
    return this.waiters.waitFor(predicate, timeoutMs);
  }

  /** Closes sockets and the server at once; pending `waitFor`s reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.closeAll(new Error('fake discord closed'));
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private channel(channelId: string): ChannelRecord {
    const channel = this.state.guilds.channels.get(channelId);
    if (channel === undefined) throw new Error(`fake discord: unknown channel ${channelId}`);
    return channel;
  }

  private denyBot(channelId: string, bits: bigint): void {
    const channel = this.channel(channelId);
    this.state.guilds.denyBot(channel, bits);
    this.state.dispatch('CHANNEL_UPDATE', channelPayload(channel), channel.guildId);
  }
}
