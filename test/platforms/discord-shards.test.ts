/**
 * The Discord gateway sharded over bot instances: real DiscordPlatforms (discord.js against the
 * local Discord, which routes each guild's events to the session of its shard) with the real
 * CommandService on real SQLite stores. Two platforms in one process stand in for two instances.
 */
import type { Interaction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServices } from '../../src/config/services-file.js';
import { CommandService } from '../../src/core/commands/command-service.js';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteQueryStore } from '../../src/db/sqlite-query-store.js';
import { SqliteReportStore } from '../../src/db/sqlite-report-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { DiscordInteractions } from '../../src/platforms/discord/discord-interactions.js';
import { DiscordPlatform, GATEWAY_INFO_TTL_MS } from '../../src/platforms/discord/discord-platform.js';
import { isSharded, PlatformStartError, type PlatformContext } from '../../src/platforms/platform.js';
import { incidentEvent, silentLog, tempDatabase } from '../dispatch/delivery-fixtures.js';
import {
  type FakeDiscord,
  type FakeDiscordOptions,
  type FakeGuild,
  guildIdOnShard,
  PermissionBits,
  startFakeDiscord,
} from '../fakes/discord/index.js';

const SHARD_COUNT = 4;
const GUILDS_PER_SHARD = 2;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

interface Instance {
  readonly platform: DiscordPlatform;
  /** Guild ids of the interactions this instance handled, in order. */
  readonly handled: string[];
}

interface World {
  readonly fake: FakeDiscord;
  /** Guilds by shard of {@link SHARD_COUNT}: `guilds[shard][n]`. */
  readonly guilds: FakeGuild[][];
  readonly subscriptions: SqliteSubscriptionStore;
  /** The injected clock's milliseconds; tests move it. */
  clock: { ms: number };
  /** A platform (an "instance") on the shared stores, not started. */
  instance(): Instance;
}

/**
 * A local Discord recommending {@link SHARD_COUNT} shards, with {@link GUILDS_PER_SHARD} guilds on
 * each (#alerts, `ana` with Manage Channels). `max_concurrency` 16, as for bots large enough to
 * shard, so the shards identify at once instead of 5 s apart.
 */
async function world(options: FakeDiscordOptions = {}): Promise<World> {
  const fake = await startFakeDiscord({
    heartbeatIntervalMs: 200,
    maxConcurrency: 16,
    onUnknownRoute: () => undefined,
    ...options,
  });
  cleanups.push(() => fake.close());
  fake.setRecommendedShards(SHARD_COUNT);
  const guilds = Array.from({ length: SHARD_COUNT }, (_, shard) =>
    Array.from({ length: GUILDS_PER_SHARD }, (_, n) =>
      fake.addGuild({
        id: guildIdOnShard(shard, SHARD_COUNT, n),
        name: `shard ${shard} guild ${n}`,
        channels: [{ name: 'alerts' }],
        members: [{ username: 'ana', permissions: PermissionBits.ManageChannels }],
      }),
    ),
  );
  const database = tempDatabase();
  const db = database.open();
  cleanups.push(() => database.dispose());
  const services = parseServices(
    'services:\n  - { id: site, name: Our site, monitors: [ { type: http, url: "http://127.0.0.1:1/" } ] }\n',
  );
  const clockState = { ms: Date.UTC(2026, 11, 7, 12) };
  const clock = { now: () => clockState.ms };
  const subscriptions = new SqliteSubscriptionStore(db);
  const engine = new DetectionEngine(services, new SqliteDetectionStore(db, services), clock, {
    roundMs: 60_000,
  });
  const commandDeps = {
    services,
    states: engine,
    incidents: new SqliteQueryStore(db),
    subscriptions,
    reports: new SqliteReportStore(db),
    clock,
  };
  const ctx: PlatformContext = {
    services,
    engine,
    subscriptions,
    outbox: new SqliteOutboxStore(db),
    clock,
    log: silentLog,
    commands: commandDeps,
    renderChartPng: () => null,
  };
  return {
    fake,
    guilds,
    subscriptions,
    clock: clockState,
    instance() {
      const interactions = new DiscordInteractions({
        commands: new CommandService(commandDeps, { maxReplyChars: 2000 }),
        subscriptions,
        log: silentLog,
        renderChartPng: () => null,
      });
      const handled: string[] = [];
      const recording = {
        handle: (interaction: Interaction) => {
          handled.push(interaction.guildId ?? '');
          return interactions.handle(interaction);
        },
      };
      const platform = new DiscordPlatform(
        { token: fake.token, applicationId: fake.applicationId, apiRoot: fake.restUrl },
        ctx,
        recording,
      );
      cleanups.push(() => platform.stop());
      return { platform, handled };
    },
  };
}

/** Sends `/services` in every guild of `shards` and waits for each answer; returns the guild ids. */
async function askGuildsOf(w: World, shards: readonly number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const shard of shards)
    for (const guild of must(w.guilds[shard], `shard ${shard}`)) {
      const handle = w.fake.interaction({
        kind: 'command',
        channelId: must(guild.channels.alerts, 'alerts'),
        name: 'services',
      });
      expect(handle.delivered).toBe(true);
      expect((await handle.response()).type).toBe(4);
      ids.push(guild.id);
    }
  return ids;
}

const guildIdsOf = (w: World, shards: readonly number[]) =>
  shards.flatMap((shard) => must(w.guilds[shard], `shard ${shard}`).map((g) => g.id));

const identifies = (fake: FakeDiscord) =>
  fake.gatewayLog.filter((e) => e.direction === 'received' && e.op === 2).length;

const sortedShards = (fake: FakeDiscord) => fake.sessionShards.map(([id, count]) => `${id}/${count}`).sort();

describe('Discord gateway shards over two instances', () => {
  it('answers each guild on the instance holding its shard, every guild once between them', async () => {
    const w = await world();
    const a = w.instance();
    const b = w.instance();
    await a.platform.start({ shards: { shards: [0, 1], shardCount: SHARD_COUNT } });
    await b.platform.start({ shards: { shards: [3, 2], shardCount: SHARD_COUNT } });
    expect([a.platform.shards, b.platform.shards]).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect([a.platform.connected, b.platform.connected]).toEqual([true, true]);
    expect(sortedShards(w.fake)).toEqual(['0/4', '1/4', '2/4', '3/4']);

    const asked = await askGuildsOf(w, [0, 1, 2, 3]);
    expect(a.handled).toEqual(guildIdsOf(w, [0, 1]));
    expect(b.handled).toEqual(guildIdsOf(w, [2, 3]));
    expect([...a.handled, ...b.handled].sort()).toEqual([...asked].sort());
    expect(w.fake.undeliveredInteractions).toEqual([]);
  });

  it('moves shard 1 from A to B with setShards: its guilds are answered by B, shard 0 stays connected', async () => {
    const w = await world();
    const a = w.instance();
    const b = w.instance();
    await a.platform.start({ shards: { shards: [0, 1], shardCount: SHARD_COUNT } });
    await b.platform.start({ shards: { shards: [2, 3], shardCount: SHARD_COUNT } });
    const movedGuild = must(w.guilds[1]?.[0], 'guild on shard 1');
    const movedChannel = must(movedGuild.channels.alerts, 'alerts');
    await w.subscriptions.subscribe(
      { platform: 'discord', chatId: movedChannel, guildId: movedGuild.id },
      'site',
      'minor',
      w.clock.ms,
    );
    const identifiesBefore = identifies(w.fake);

    await a.platform.setShards([0], SHARD_COUNT);
    expect(a.platform.shards).toEqual([0]);
    expect(a.platform.connected).toBe(true);
    // Between A letting go and B taking over, nobody holds shard 1: Discord shows "This interaction failed".
    const lost = w.fake.interaction({ kind: 'command', channelId: movedChannel, name: 'services' });
    expect(lost.delivered).toBe(false);

    await b.platform.setShards([1, 2, 3], SHARD_COUNT);
    expect(b.platform.shards).toEqual([1, 2, 3]);
    expect(b.platform.connected).toBe(true);
    expect(sortedShards(w.fake)).toEqual(['0/4', '1/4', '2/4', '3/4']);
    // One new session (B's shard 1); A's shard 0 and B's shards 2 and 3 were not reconnected.
    expect(identifies(w.fake)).toBe(identifiesBefore + 1);

    a.handled.length = 0;
    b.handled.length = 0;
    await askGuildsOf(w, [0, 1, 2, 3]);
    expect(a.handled).toEqual(guildIdsOf(w, [0]));
    expect(b.handled).toEqual(guildIdsOf(w, [1, 2, 3]));
    expect(w.fake.undeliveredInteractions.map((i) => i.id)).toEqual([lost.id]);
    // Closing a shard is not leaving its guilds: their chats stay active.
    expect(w.subscriptions.getChat({ platform: 'discord', chatId: movedChannel })?.active).toBe(true);
  });

  it('closes every shard of the old count when the shard count changes', async () => {
    const w = await world();
    const a = w.instance();
    await a.platform.start({ shards: { shards: [0, 1], shardCount: 2 } });
    expect(sortedShards(w.fake)).toEqual(['0/2', '1/2']);
    // Shards 2 and 3 (not 0 and 1 again): Discord allows one identify per shard bucket per 5 s.
    await a.platform.setShards([2, 3], SHARD_COUNT);
    expect(sortedShards(w.fake)).toEqual(['2/4', '3/4']);
    await askGuildsOf(w, [2, 3]);
    expect(a.handled).toEqual(guildIdsOf(w, [2, 3]));
    expect(
      w.fake.interaction({
        kind: 'command',
        channelId: must(w.guilds[0]?.[0]?.channels.alerts, 'alerts'),
        name: 'services',
      }).delivered,
    ).toBe(false);
  });

  it('keeps no gateway session with [] and still sends alerts over REST', async () => {
    const w = await world();
    const a = w.instance();
    await a.platform.start({ shards: { shards: [], shardCount: SHARD_COUNT } });
    expect(a.platform.shards).toEqual([]);
    expect(a.platform.connected).toBe(true);
    expect(w.fake.sessionShards).toEqual([]);
    // The commands are registered all the same (idempotent: a second instance writes nothing).
    expect(w.fake.commands().map((c) => c.name)).toContain('services');

    const channel = must(w.guilds[2]?.[0]?.channels.alerts, 'alerts');
    const job: DeliveryJob = {
      chatId: channel,
      kind: 'send',
      events: [incidentEvent()],
      settings: { locale: 'en', timeZone: 'UTC', mentionRoleId: null },
    };
    expect(await a.platform.sender.deliver(job, AbortSignal.timeout(5_000))).toMatchObject({ kind: 'sent' });
    expect(w.fake.messagesIn(channel)).toHaveLength(1);

    const lost = w.fake.interaction({ kind: 'command', channelId: channel, name: 'services' });
    expect(lost.delivered).toBe(false);

    await a.platform.setShards([2], SHARD_COUNT);
    expect(a.platform.connected).toBe(true);
    await askGuildsOf(w, [2]);
    await a.platform.setShards([], SHARD_COUNT);
    expect(w.fake.sessionShards).toEqual([]);
  });
});

describe('Discord gateway shards on one instance', () => {
  it("connects every recommended shard by default ('auto') and answers every guild", async () => {
    const w = await world();
    const a = w.instance();
    expect(isSharded(a.platform)).toBe(true);
    expect(a.platform.shards).toEqual([]);
    expect(a.platform.connected).toBe(false);
    await a.platform.start();
    expect(a.platform.shards).toEqual([0, 1, 2, 3]);
    expect(a.platform.connected).toBe(true);
    expect(sortedShards(w.fake)).toEqual(['0/4', '1/4', '2/4', '3/4']);
    await askGuildsOf(w, [0, 1, 2, 3]);
    expect([...a.handled].sort()).toEqual(guildIdsOf(w, [0, 1, 2, 3]).sort());
    await a.platform.stop();
    expect(a.platform.connected).toBe(false);
    expect(a.platform.shards).toEqual([]);
  });

  it('asks GET /gateway/bot for the recommended count at most once a minute', async () => {
    const w = await world();
    const a = w.instance();
    const asked = () => w.fake.calls.filter((c) => c.path === '/gateway/bot').length;
    expect(await a.platform.recommendedShardCount()).toBe(SHARD_COUNT);
    w.fake.setRecommendedShards(6);
    expect(await a.platform.recommendedShardCount()).toBe(SHARD_COUNT);
    expect(asked()).toBe(1);
    w.clock.ms += GATEWAY_INFO_TTL_MS;
    expect(await a.platform.recommendedShardCount()).toBe(6);
    expect(asked()).toBe(2);
  });

  it('refuses shard ids that cannot exist with a clear error, before connecting', async () => {
    const w = await world();
    const a = w.instance();
    await expect(a.platform.start({ shards: { shards: [4], shardCount: SHARD_COUNT } })).rejects.toThrow(
      new PlatformStartError(
        'discord',
        'Discord shards: shard ids must be integers from 0 to 3 (shard count 4), got 4.',
      ),
    );
    expect(w.fake.gatewayLog).toEqual([]);
    await expect(a.platform.setShards([0], SHARD_COUNT)).rejects.toThrow('Discord platform not started');
    await a.platform.start({ shards: { shards: [0], shardCount: SHARD_COUNT } });
    await expect(a.platform.setShards([0, 0], SHARD_COUNT)).rejects.toThrow(
      'Discord shards: shard ids must not repeat, got 0, 0',
    );
    await expect(a.platform.setShards([0], 0)).rejects.toThrow(RangeError);
    expect(a.platform.shards).toEqual([0]);
    expect(a.platform.connected).toBe(true);
  });

  it('says Discord requires more shards when a shard would hold too many servers (4011)', async () => {
    const w = await world({ maxGuildsPerShard: GUILDS_PER_SHARD * 2 });
    const a = w.instance();
    // One shard of one would hold all 8 guilds; one of two holds 4, which is allowed.
    await expect(a.platform.start({ shards: { shards: [0], shardCount: 1 } })).rejects.toThrow(
      /Discord requires more shards: shard 0 of 1 would hold too many servers \(close 4011 Sharding required\)/,
    );
    expect(a.platform.connected).toBe(false);
    await a.platform.start({ shards: { shards: [1], shardCount: 2 } });
    expect(a.platform.connected).toBe(true);
    // A later change that needs more shards fails the same way; the shard stays assigned, not connected.
    await expect(a.platform.setShards([0], 1)).rejects.toThrow(/close 4011 Sharding required/);
    expect(a.platform.shards).toEqual([0]);
    expect(a.platform.connected).toBe(false);
    await a.platform.setShards([1], 2);
    expect(a.platform.connected).toBe(true);
  });
});
