import { once } from 'node:events';
import {
  type Channel,
  Client,
  DiscordjsErrorCodes,
  Events,
  GatewayDispatchEvents,
  type GatewayGuildDeleteDispatchData,
  GatewayIntentBits,
} from 'discord.js';
import type { ChatPlatform, PlatformContext } from '../platform.js';
import { PlatformStartError } from '../platform.js';
import { registerCommands } from './discord-commands.js';
import { DISCORD_REST_OPTIONS } from './discord-rest.js';
import { type CommandPort, DiscordInteractions, type InteractionHandler } from './discord-interactions.js';
import { DiscordSender } from './discord-sender.js';
import { DISCORD_ALERT_PACING, type DiscordSettings } from './discord-settings.js';

/** Login, READY and the command check must finish within this long, or start-up fails. */
export const DISCORD_START_TIMEOUT_MS = 30_000;

export type DiscordConfig = DiscordSettings;

/**
 * The Discord adapter (discord.js 14, Guilds intent only). It logs in, registers the slash
 * commands when their definitions changed, routes interactions to the handler, and turns the
 * gateway's GUILD_DELETE and CHANNEL_DELETE into deactivated chats. Alerts go out through
 * {@link DiscordSender} on the same REST client, so they share its rate-limit queue.
 *
 * `DISCORD_API_ROOT` replaces the REST root; discord.js then takes the gateway URL from that
 * root's `/gateway/bot` (docs/platforms.md, fact 1).
 */
export class DiscordPlatform implements ChatPlatform {
  readonly name = 'discord' as const;
  readonly pacing = DISCORD_ALERT_PACING;
  readonly sender: DiscordSender;
  private readonly client: Client;
  private ready = false;

  constructor(
    private readonly config: DiscordConfig,
    private readonly ctx: PlatformContext,
    private readonly interactions: InteractionHandler,
  ) {
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: {
        ...(config.apiRoot === undefined ? {} : { api: config.apiRoot }),
        ...DISCORD_REST_OPTIONS,
      },
    });
    this.sender = new DiscordSender(this.client.rest);
    this.listen();
  }

  get connected(): boolean {
    return this.ready;
  }

  /**
   * Logs in, waits for READY and the guilds, then registers the commands if they changed.
   * Throws {@link PlatformStartError} when the token is rejected, the API root cannot be reached,
   * or the commands cannot be registered.
   */
  async start(): Promise<void> {
    const signal = AbortSignal.timeout(DISCORD_START_TIMEOUT_MS);
    const ready = once(this.client, Events.ClientReady, { signal });
    ready.catch(() => undefined); // awaited below; a failed login must not leave it unhandled
    try {
      await this.client.login(this.config.token);
      await ready;
    } catch (err) {
      await this.client.destroy();
      throw startError(describeLoginFailure(err, this.config), err);
    }
    const scope = {
      applicationId: this.config.applicationId,
      ...(this.config.guildId === undefined ? {} : { guildId: this.config.guildId }),
    };
    try {
      const result = await registerCommands(this.client.rest, scope, { onlyIfChanged: true });
      this.ctx.log.info({ result, guildId: scope.guildId ?? null }, 'discord commands checked');
    } catch (err) {
      await this.client.destroy();
      throw startError(
        `Discord refused the slash commands for application ${scope.applicationId}` +
          `${scope.guildId === undefined ? '' : ` in guild ${scope.guildId}`}: ${(err as Error).message}. ` +
          'Check DISCORD_APPLICATION_ID (and DISCORD_GUILD_ID: the bot must be in that server).',
        err,
      );
    }
  }

  async stop(): Promise<void> {
    this.ready = false;
    await this.client.destroy();
  }

  private listen(): void {
    const { log } = this.ctx;
    // docs/platforms.md §2.4: an unhandled 'error' event would end the process.
    this.client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
    this.client.on(Events.Warn, (message) => log.warn({ message }, 'discord client warning'));
    this.client.on(Events.ClientReady, () => (this.ready = true));
    this.client.on(Events.ShardReady, () => (this.ready = true));
    this.client.on(Events.ShardResume, () => (this.ready = true));
    this.client.on(Events.ShardDisconnect, () => (this.ready = false));
    this.client.on(Events.ShardReconnecting, () => (this.ready = false));
    // The raw dispatch, not Events.GuildDelete: discord.js empties the guild's channel cache
    // before it emits that, and the channels are what we need.
    this.client.ws.on(GatewayDispatchEvents.GuildDelete, (data: GatewayGuildDeleteDispatchData) => {
      this.onGuildRemoved(data).catch((err: unknown) => {
        log.error({ err, guildId: data.id }, 'discord guild removal not recorded');
      });
    });
    this.client.on(Events.ChannelDelete, (channel) => {
      this.onChannelDeleted(channel).catch((err: unknown) => {
        log.error({ err, chatId: channel.id }, 'discord channel deletion not recorded');
      });
    });
    this.client.on(Events.InteractionCreate, (interaction) => {
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
  private async onGuildRemoved(data: GatewayGuildDeleteDispatchData): Promise<void> {
    if (data.unavailable === true) return;
    const guild = this.client.guilds.cache.get(data.id);
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

const REMOVED_FROM_GUILD = 'the bot was removed from the server (GUILD_DELETE)';
const CHANNEL_DELETED = 'the channel was deleted (CHANNEL_DELETE)';

const chat = (chatId: string) => ({ platform: 'discord' as const, chatId });

/** The start-up error, keeping the original as `cause` for the log. */
function startError(message: string, cause: unknown): PlatformStartError {
  return Object.assign(new PlatformStartError('discord', message), { cause });
}

function describeLoginFailure(err: unknown, config: DiscordConfig): string {
  const code = (err as { code?: unknown }).code;
  if (code === DiscordjsErrorCodes.TokenInvalid)
    return 'Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the Developer Portal (Bot → Reset Token).';
  if (err instanceof Error && err.name === 'AbortError')
    return `Discord did not get ready within ${DISCORD_START_TIMEOUT_MS / 1000} s (login, gateway READY and guilds).`;
  const where = config.apiRoot ?? 'https://discord.com/api';
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `Could not log in to Discord at ${where}: ${(err as Error).message}${cause}. Check DISCORD_API_ROOT and the network.`;
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
