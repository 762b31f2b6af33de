/**
 * A local Discord (REST + gateway) for end-to-end tests with the real discord.js client.
 * See {@link FakeDiscord} for the API and docs/platforms.md §2 for the contract it implements.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommandStore, DEFAULT_COMMAND_CREATES_PER_DAY } from './command-store.js';
import { FakeDiscord, type FakeDiscordOptions, type StateHooks } from './fake-discord.js';
import type { FakeState } from './fake-state.js';
import { GuildStore } from './guild-store.js';
import { MessageStore } from './message-store.js';
import { RateLimiter } from './rate-limits.js';
import { SnowflakeGenerator } from './snowflake.js';

export { FakeDiscord } from './fake-discord.js';
export type { FakeDiscordOptions, FakeGuild, InteractionHandle } from './fake-discord.js';
export type { ChannelSpec, GuildSpec, MemberSpec, RoleSpec, PermissionInput } from './guild-store.js';
export type { InteractionOptionInput, InteractionSpec } from './interaction-builder.js';
export type { BucketLimit, RateLimitOptions, StormOptions } from './rate-limits.js';
export type {
  AttachmentRecord,
  CallRecord,
  GatewayLogEntry,
  InteractionCallbackRecord,
  InteractionRecord,
  MessageRecord,
  MessageVersion,
} from './records.js';
export { PermissionBits } from './permissions.js';
export { guildIdOnShard, shardOfGuild } from './snowflake.js';

const DEFAULT_TOKEN = 'fake-discord-bot-token';
const DEFAULT_BOT_USERNAME = 'alert-bot';
/** Discord sends ~41 s; 1 s makes every test exercise heartbeats and ACKs. */
const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;
/** receiving-and-responding.mdx: 3 s for the first response, 15 min for the token. */
const DEFAULT_CALLBACK_WINDOW_MS = 3_000;
const DEFAULT_TOKEN_LIFETIME_MS = 15 * 60 * 1_000;
/** What Discord reported for a guild without boosts when the fake was written: 25 MiB. */
const DEFAULT_ATTACHMENT_SIZE_LIMIT_BYTES = 25 * 1024 * 1024;
const LOOPBACK = '127.0.0.1';
/** Discord requires sharding from 2,500 guilds per session (events/gateway.mdx "Sharding"). */
const DEFAULT_MAX_GUILDS_PER_SHARD = 2_500;

/**
 * Starts the fake on 127.0.0.1 with a free port. Resolves once it listens.
 * Close it with {@link FakeDiscord.close} after destroying every client connected to it.
 */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const ids = new SnowflakeGenerator();
  const bot = { id: ids.next(), username: options.botUsername ?? DEFAULT_BOT_USERNAME };
  const applicationId = options.applicationId ?? bot.id;
  const hooks: StateHooks = {
    dispatch: () => 0,
    changed: () => undefined,
    reportUnknownRoute: () => undefined,
  };
  let origin = '';
  const state: FakeState = {
    token: options.token ?? DEFAULT_TOKEN,
    applicationId,
    bot,
    ids,
    guilds: new GuildStore(ids, bot),
    messages: new MessageStore(ids),
    commands: new CommandStore(
      ids,
      applicationId,
      options.commandCreatesPerDay ?? DEFAULT_COMMAND_CREATES_PER_DAY,
    ),
    limiter: new RateLimiter(options.rateLimits),
    interactions: new Map(),
    calls: [],
    timing: {
      callbackWindowMs: options.interactionCallbackWindowMs ?? DEFAULT_CALLBACK_WINDOW_MS,
      tokenLifetimeMs: options.interactionTokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS,
    },
    attachmentSizeLimitBytes: options.attachmentSizeLimitBytes ?? DEFAULT_ATTACHMENT_SIZE_LIMIT_BYTES,
    sharding: {
      recommendedShards: 1,
      maxGuildsPerShard: options.maxGuildsPerShard ?? DEFAULT_MAX_GUILDS_PER_SHARD,
      maxConcurrency: options.maxConcurrency ?? 1,
    },
    origin: () => origin,
    dispatch: (event, data, guildId) => hooks.dispatch(event, data, guildId),
    reportUnknownRoute: (method, path) => hooks.reportUnknownRoute(method, path),
    nowMs: options.clock ?? Date.now,
    changed: () => hooks.changed(),
  };
  const server = createServer();
  const onUnknownRoute =
    options.onUnknownRoute ??
    ((method: string, path: string) => console.warn('fake discord: unknown route', method, path));
  const fake = new FakeDiscord(
    server,
    state,
    hooks,
    options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    onUnknownRoute,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  origin = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
  return fake;
}
