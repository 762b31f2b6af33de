import {
  type Channel,
  type Client,
  DiscordAPIError,
  DiscordjsErrorCodes,
  Events,
  GatewayCloseCodes,
  GatewayDispatchEvents,
  type GatewayGuildDeleteDispatchData,
  REST,
  type RESTGetAPIGatewayBotResult,
  Routes,
} from 'discord.js';
import type { ChatPlatform, PlatformContext, ShardAssignment } from '../platform.js';
import { type PlatformStartOptions, PlatformStartError } from '../platform.js';
import { registerCommands } from './discord-commands.js';
import { DISCORD_REST_OPTIONS } from './discord-rest.js';
import { type CommandPort, DiscordInteractions, type InteractionHandler } from './discord-interactions.js';
import { DiscordSender } from './discord-sender.js';
import { DISCORD_ALERT_PACING, type DiscordSettings } from './discord-settings.js';
import {
  connectShard,
  createShardClient,
  SharedIdentifyThrottle,
  ShardConnectError,
  shardAssignmentProblem,
} from './discord-shards.js';

/** Login, READY and the command check must finish within this long, or start-up fails. */
export const DISCORD_START_TIMEOUT_MS = 30_000;
/** `GET /gateway/bot` is asked again after this long (the recommended shard count changes slowly). */
export const GATEWAY_INFO_TTL_MS = 60_000;

export type DiscordConfig = DiscordSettings;

/** One running shard: its Client and whether its session is READY now. */
interface ShardConnection {
  readonly client: Client;
  readonly shardCount: number;
  ready: boolean;
}

/**
 * The Discord adapter (discord.js 14, Guilds intent only). It logs in, registers the slash
 * commands when their definitions changed, routes interactions to the handler, and turns the
 * gateway's GUILD_DELETE and CHANNEL_DELETE into deactivated chats. Alerts go out through
 * {@link DiscordSender} on one REST client that every shard's Client shares, so alerts and command
 * replies share its rate-limit queue, and alerts still go out with no gateway session at all.
 *
 * The gateway is sharded (docs/cluster.md, "Discord: shards"): one discord.js Client per shard
 * (`shards: [id]`, `shardCount`), so `setShards` opens and closes only the shards that change.
 * `start()` runs every shard `GET /gateway/bot` recommends; `start({ shards, shardCount })` and
 * `setShards` run the ones the cluster assigns to this instance.
 *
 * `DISCORD_API_ROOT` replaces the REST root; discord.js then takes the gateway URL from that
 * root's `/gateway/bot` (docs/platforms.md, fact 1).
 */
export class DiscordPlatform implements ChatPlatform {
  readonly name = 'discord' as const;
  readonly pacing = DISCORD_ALERT_PACING;
  readonly sender: DiscordSender;
  private readonly rest: REST;
  private readonly throttle: SharedIdentifyThrottle;
  /** Running shards by id. */
  private readonly connections = new Map<number, ShardConnection>();
  private assignment: ShardAssignment = { shards: [], shardCount: 1 };
  private started = false;
  private gatewayInfo: { value: Promise<RESTGetAPIGatewayBotResult>; expiresAt: number } | undefined;
  /** setShards and stop run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: DiscordConfig,
    private readonly ctx: PlatformContext,
    private readonly interactions: InteractionHandler,
  ) {
    this.rest = new REST({
      ...(config.apiRoot === undefined ? {} : { api: config.apiRoot }),
      ...DISCORD_REST_OPTIONS,
    }).setToken(config.token);
    this.sender = new DiscordSender(this.rest, { log: this.ctx.log });
    this.throttle = new SharedIdentifyThrottle(
      async () => (await this.gatewayBot()).session_start_limit.max_concurrency,
    );
  }

  /** Started, and every assigned shard READY (true with no shard assigned: REST needs no session). */
  get connected(): boolean {
    return this.started && this.assignment.shards.every((id) => this.connections.get(id)?.ready === true);
  }

  /** The shard ids this instance is assigned, ascending. */
  get shards(): readonly number[] {
    return this.started ? this.assignment.shards : [];
  }

  /** `shards` of `GET /gateway/bot`, asked at most once a minute. */
  async recommendedShardCount(): Promise<number> {
    return (await this.gatewayBot()).shards;
  }

  /**
   * Checks the token, connects the shards (every recommended one without `assignment`), waits for
   * their READY and guilds, then registers the commands if they changed. Throws
   * {@link PlatformStartError} when the token is rejected, the API root cannot be reached, a shard
   * cannot connect (an invalid shard, sharding required) or the commands cannot be registered.
   */
  async start(options?: PlatformStartOptions): Promise<void> {
    const assignment = options?.shards;
    const signal = AbortSignal.timeout(DISCORD_START_TIMEOUT_MS);
    if (assignment !== undefined) {
      const problem = shardAssignmentProblem(assignment);
      if (problem !== null) throw new PlatformStartError('discord', `Discord shards: ${problem}.`);
    }
    let wanted: ShardAssignment;
    try {
      // Also checks the token and the API root before any shard connects.
      const recommended = await this.recommendedShardCount();
      wanted = assignment ?? allShards(recommended);
    } catch (err) {
      throw startError(describeLoginFailure(err, this.config), err);
    }
    this.started = true;
    try {
      await this.run(() => this.applyShards(wanted, signal));
    } catch (err) {
      await this.stop();
      throw startError(describeShardFailure(err), err);
    }
    const scope = {
      applicationId: this.config.applicationId,
      ...(this.config.guildId === undefined ? {} : { guildId: this.config.guildId }),
    };
    try {
      const result = await registerCommands(this.rest, scope, { onlyIfChanged: true });
      this.ctx.log.info({ result, guildId: scope.guildId ?? null }, 'discord commands checked');
    } catch (err) {
      await this.stop();
      throw startError(
        `Discord refused the slash commands for application ${scope.applicationId}` +
          `${scope.guildId === undefined ? '' : ` in guild ${scope.guildId}`}: ${(err as Error).message}. ` +
          'Check DISCORD_APPLICATION_ID (and DISCORD_GUILD_ID: the bot must be in that server).',
        err,
      );
    }
  }

  /**
   * Runs exactly `shards` of `shardCount` from now on: closes the shards not in the list (all of
   * them when the count changes), opens the missing ones and waits for their READY. `[]` closes
   * every gateway session; alerts still go out over REST. Calls run one at a time, in order.
   * Rejects with a {@link ShardConnectError} (a RangeError for ids that cannot exist) when a shard
   * does not connect; it stays assigned but not connected (`connected` false), and calling again
   * retries it.
   */
  async setShards(shards: readonly number[], shardCount: number): Promise<void> {
    const wanted = { shards, shardCount };
    const problem = shardAssignmentProblem(wanted);
    if (problem !== null) throw new RangeError(`Discord shards: ${problem}`);
    await this.run(async () => {
      // Checked in turn: a stop queued before this call wins.
      if (!this.started) throw new Error('Discord platform not started');
      await this.applyShards(wanted, AbortSignal.timeout(DISCORD_START_TIMEOUT_MS));
    });
  }

  async stop(): Promise<void> {
    await this.run(async () => {
      this.started = false;
      await Promise.all([...this.connections.keys()].map((id) => this.closeShard(id)));
    });
  }

  /** Runs `step` after every earlier step, whatever they did. */
  private run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.queue.then(step);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async applyShards(wanted: ShardAssignment, signal: AbortSignal): Promise<void> {
    const keep = new Set(wanted.shards);
    const closing = [...this.connections].filter(
      ([id, c]) => !keep.has(id) || c.shardCount !== wanted.shardCount,
    );
    await Promise.all(closing.map(([id]) => this.closeShard(id)));
    this.assignment = { shards: [...wanted.shards].sort((a, b) => a - b), shardCount: wanted.shardCount };
    const opening = this.assignment.shards.filter((id) => !this.connections.has(id));
    const results = await Promise.allSettled(
      opening.map((id) => this.openShard(id, wanted.shardCount, signal)),
    );
    this.ctx.log.info(
      {
        shards: this.assignment.shards,
        shardCount: wanted.shardCount,
        closed: closing.map(([id]) => id),
        opened: opening,
      },
      'discord shards set',
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failed.length > 0) throw failed[0];
  }

  private async openShard(shardId: number, shardCount: number, signal: AbortSignal): Promise<void> {
    const client = createShardClient(this.rest, this.throttle, shardId, shardCount);
    const connection: ShardConnection = { client, shardCount, ready: false };
    this.listen(client, connection);
    this.connections.set(shardId, connection);
    try {
      await connectShard(client, this.config.token, shardId, shardCount, signal);
      connection.ready = true;
    } catch (err) {
      await this.closeShard(shardId);
      this.ctx.log.error({ err, shardId, shardCount }, 'discord shard did not connect');
      throw err;
    }
  }

  private async closeShard(shardId: number): Promise<void> {
    const connection = this.connections.get(shardId);
    if (connection === undefined) return;
    this.connections.delete(shardId);
    connection.ready = false;
    // Its listeners stay: an 'error' from work still in flight must find one (docs/platforms.md §2.4).
    await connection.client.destroy();
  }

  /** `GET /gateway/bot` through the shared REST client, kept for {@link GATEWAY_INFO_TTL_MS}. */
  private gatewayBot(): Promise<RESTGetAPIGatewayBotResult> {
    const now = this.ctx.clock.now();
    if (this.gatewayInfo === undefined || now >= this.gatewayInfo.expiresAt) {
      const value = this.rest.get(Routes.gatewayBot()) as Promise<RESTGetAPIGatewayBotResult>;
      const entry = { value, expiresAt: now + GATEWAY_INFO_TTL_MS };
      this.gatewayInfo = entry;
      // A failure is not cached: the next call asks again.
      value.catch(() => {
        if (this.gatewayInfo === entry) this.gatewayInfo = undefined;
      });
    }
    return this.gatewayInfo.value;
  }

  private listen(client: Client, connection: ShardConnection): void {
    const { log } = this.ctx;
    // docs/platforms.md §2.4: an unhandled 'error' event would end the process.
    client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
    client.on(Events.Warn, (message) => log.warn({ message }, 'discord client warning'));
    client.on(Events.ShardReady, () => (connection.ready = true));
    client.on(Events.ShardResume, () => (connection.ready = true));
    client.on(Events.ShardDisconnect, () => (connection.ready = false));
    client.on(Events.ShardReconnecting, () => (connection.ready = false));
    // The raw dispatch, not Events.GuildDelete: discord.js empties the guild's channel cache
    // before it emits that, and the channels are what we need.
    client.ws.on(GatewayDispatchEvents.GuildDelete, (data: GatewayGuildDeleteDispatchData) => {
      this.onGuildRemoved(client, data).catch((err: unknown) => {
        log.error({ err, guildId: data.id }, 'discord guild removal not recorded');
      });
    });
    client.on(Events.ChannelDelete, (channel) => {
      this.onChannelDeleted(channel).catch((err: unknown) => {
        log.error({ err, chatId: channel.id }, 'discord channel deletion not recorded');
      });
    });
    client.on(Events.InteractionCreate, (interaction) => {
      this.interactions.handle(interaction).catch((err: unknown) => {
        log.error({ err, interactionId: interaction.id }, 'discord interaction failed');
      });
    });
  }

  /**
   * The bot was removed from a guild (GUILD_DELETE without `unavailable`; an outage only marks the
   * guild unavailable). Every channel of it that we know as a chat is deactivated; the channels
   * come from discord.js's cache, which still holds them while the raw dispatch is handled.
   */
  private async onGuildRemoved(client: Client, data: GatewayGuildDeleteDispatchData): Promise<void> {
    if (data.unavailable === true) return;
    const guild = client.guilds.cache.get(data.id);
    const now = this.ctx.clock.now();
    let deactivated = 0;
    // Read at once: discord.js empties the cache once this handler has returned (its first await).
    const channelIds = [...(guild?.channels.cache.keys() ?? [])];
    for (const channelId of channelIds) {
      if (await this.ctx.subscriptions.deactivateChat(chat(channelId), REMOVED_FROM_GUILD, now))
        deactivated++;
    }
    this.ctx.log.info({ guildId: data.id, deactivated }, 'removed from a discord guild');
  }

  private async onChannelDeleted(channel: Channel): Promise<void> {
    const now = this.ctx.clock.now();
    if (await this.ctx.subscriptions.deactivateChat(chat(channel.id), CHANNEL_DELETED, now))
      this.ctx.log.info({ chatId: channel.id }, 'discord channel deleted: chat deactivated');
  }
}

/** Every shard of `shardCount`. */
function allShards(shardCount: number): ShardAssignment {
  return { shards: Array.from({ length: shardCount }, (_, id) => id), shardCount };
}

const REMOVED_FROM_GUILD = 'the bot was removed from the server (GUILD_DELETE)';
const CHANNEL_DELETED = 'the channel was deleted (CHANNEL_DELETE)';

const chat = (chatId: string) => ({ platform: 'discord' as const, chatId });

/** The start-up error, keeping the original as `cause` for the log. */
function startError(message: string, cause: unknown): PlatformStartError {
  return Object.assign(new PlatformStartError('discord', message), { cause });
}

function describeLoginFailure(err: unknown, config: DiscordConfig): string {
  const code = (err as { code?: unknown }).code;
  if (code === DiscordjsErrorCodes.TokenInvalid || (err instanceof DiscordAPIError && err.status === 401))
    return 'Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the Developer Portal (Bot → Reset Token).';
  if (err instanceof Error && err.name === 'AbortError')
    return `Discord did not get ready within ${DISCORD_START_TIMEOUT_MS / 1000} s (login, gateway READY and guilds).`;
  const where = config.apiRoot ?? 'https://discord.com/api';
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `Could not log in to Discord at ${where}: ${(err as Error).message}${cause}. Check DISCORD_API_ROOT and the network.`;
}

/** A shard that did not connect at start-up, in the operator's words. */
function describeShardFailure(err: unknown): string {
  if (err instanceof ShardConnectError)
    return err.closeCode === GatewayCloseCodes.AuthenticationFailed
      ? `${err.message}: copy the bot token again from the Developer Portal (Bot → Reset Token).`
      : `${err.message}.`;
  if (err instanceof Error && err.name === 'AbortError')
    return `Discord did not get ready within ${DISCORD_START_TIMEOUT_MS / 1000} s (login, gateway READY and guilds).`;
  return `Could not connect to the Discord gateway: ${(err as Error).message}.`;
}

/** The Discord platform as the app runs it: interactions are answered by the command layer. */
export function createDiscordPlatform(
  config: DiscordConfig,
  ctx: PlatformContext,
  commands: CommandPort | null,
): DiscordPlatform {
  const interactions = new DiscordInteractions({
    commands,
    subscriptions: ctx.subscriptions,
    log: ctx.log,
    renderChartPng: ctx.renderChartPng,
  });
  return new DiscordPlatform(config, ctx, interactions);
}
