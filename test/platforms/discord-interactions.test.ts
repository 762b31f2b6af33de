/**
 * Slash commands, autocomplete and alert buttons through the real DiscordPlatform (discord.js
 * against the local Discord) and the real CommandService on real SQLite stores.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MISSING_PERMISSIONS_REASON } from '../../src/platforms/discord/discord-errors.js';
import {
  COMPONENT_AUTOCOMPLETE_WAIT_MS,
  type CommandPort,
  DiscordInteractions,
} from '../../src/platforms/discord/discord-interactions.js';
import { DiscordPlatform } from '../../src/platforms/discord/discord-platform.js';
import type { RenderChartPng } from '../../src/charts/chart-png.js';
import { parseServices } from '../../src/config/services-file.js';
import { CommandService } from '../../src/core/commands/command-service.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteQueryStore } from '../../src/db/sqlite-query-store.js';
import { SqliteReportStore } from '../../src/db/sqlite-report-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { silentLog, tempDatabase } from '../dispatch/delivery-fixtures.js';
import {
  type FakeDiscord,
  type FakeGuild,
  type InteractionHandle,
  PermissionBits,
  startFakeDiscord,
} from '../fakes/discord/index.js';

const SERVICE_COUNT = 30;
const EPHEMERAL = 64;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A PNG signature and `size` bytes in all: the adapter uploads what it is given. */
const fakePng = (size: number) => Buffer.concat([PNG_SIGNATURE, Buffer.alloc(size - 8, 7)]);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

interface World {
  fake: FakeDiscord;
  guild: FakeGuild;
  subscriptions: SqliteSubscriptionStore;
  channel(name: string): string;
  member(name: string): string;
}

/**
 * Guild "Ops": #alerts and #no-embeds (tests give the bot fewer permissions there); `ana` has Manage
 * Channels, `bob` has not. Services `site` ("Our site") and s01…s29 ("Service 01"…).
 */
async function world(
  wrap: (port: CommandPort) => CommandPort = (p) => p,
  deferAfterMs?: number,
  extra: { renderChartPng?: RenderChartPng; attachmentSizeLimitBytes?: number } = {},
): Promise<World> {
  const fake = await startFakeDiscord({
    heartbeatIntervalMs: 200,
    onUnknownRoute: () => undefined,
    ...(extra.attachmentSizeLimitBytes === undefined
      ? {}
      : { attachmentSizeLimitBytes: extra.attachmentSizeLimitBytes }),
  });
  cleanups.push(() => fake.close());
  const guild = fake.addGuild({
    name: 'Ops',
    channels: [{ name: 'alerts' }, { name: 'no-embeds' }],
    members: [
      { username: 'ana', permissions: PermissionBits.ManageChannels },
      { username: 'bob', permissions: '0' },
    ],
  });
  const database = tempDatabase();
  const db = database.open();
  cleanups.push(() => database.dispose());
  const services = parseServices(
    `services:\n  - { id: site, name: Our site, monitors: [ { type: http, url: "http://127.0.0.1:1/" } ] }\n` +
      Array.from(
        { length: SERVICE_COUNT - 1 },
        (_, i) =>
          `  - { id: s${String(i + 1).padStart(2, '0')}, name: Service ${String(i + 1).padStart(2, '0')}, ` +
          `monitors: [ { type: http, url: "http://127.0.0.1:1/" } ] }`,
      ).join('\n') +
      '\n',
  );
  const clock = { now: () => Date.now() };
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
  const commands = new CommandService(commandDeps, { maxReplyChars: 2000 });
  const ctx = {
    services,
    engine,
    subscriptions,
    outbox: new SqliteOutboxStore(db),
    clock,
    log: silentLog,
    commands: commandDeps,
    renderChartPng: extra.renderChartPng ?? (() => null),
  };
  const interactions = new DiscordInteractions({
    commands: wrap(commands),
    subscriptions,
    log: silentLog,
    renderChartPng: ctx.renderChartPng,
    ...(deferAfterMs === undefined ? {} : { deferAfterMs }),
  });
  const platform = new DiscordPlatform(
    { token: fake.token, applicationId: fake.applicationId, guildId: guild.id, apiRoot: fake.restUrl },
    ctx,
    interactions,
  );
  cleanups.push(() => platform.stop());
  await platform.start();
  expect(platform.connected).toBe(true);
  return {
    fake,
    guild,
    subscriptions,
    channel: (name) => must(guild.channels[name], name),
    member: (name) => must(guild.members[name], name),
  };
}

const content = async (handle: InteractionHandle) => {
  const response = await handle.response();
  return {
    type: response.type,
    content: String(response.data.content ?? ''),
    flags: Number(response.data.flags ?? 0),
  };
};

describe('Discord slash commands', () => {
  it('subscribes the channel for an admin and answers in the channel', async () => {
    const w = await world();
    const alerts = w.channel('alerts');
    const reply = await content(
      w.fake.interaction({
        kind: 'command',
        channelId: alerts,
        userId: w.member('ana'),
        name: 'subscribe',
        options: [
          { name: 'service', value: 'site' },
          { name: 'severity', value: 'major' },
        ],
      }),
    );
    expect(reply).toEqual({
      type: 4,
      // Escaped for Discord markdown; it renders as plain text.
      content: 'This chat now gets alerts for Our site \\(outages only\\).',
      flags: 0,
    });
    expect(w.subscriptions.listSubscriptions({ platform: 'discord', chatId: alerts })).toMatchObject([
      { serviceId: 'site', minSeverity: 'major' },
    ]);
    expect(w.subscriptions.getChat({ platform: 'discord', chatId: alerts })?.guildId).toBe(w.guild.id);
  });

  it('refuses a member without Manage Channels privately and stores nothing', async () => {
    const w = await world();
    const alerts = w.channel('alerts');
    const reply = await content(
      w.fake.interaction({
        kind: 'command',
        channelId: alerts,
        userId: w.member('bob'),
        name: 'subscribe',
        options: [{ name: 'service', value: 'site' }],
      }),
    );
    expect(reply).toEqual({ type: 4, content: 'Only admins of this chat can do that.', flags: EPHEMERAL });
    expect(w.subscriptions.getChat({ platform: 'discord', chatId: alerts })).toBeNull();
  });

  it('says which permissions the bot lacks before subscribing, and stores nothing', async () => {
    const w = await world();
    const channel = w.channel('no-embeds');
    const handle = w.fake.interaction({
      kind: 'command',
      channelId: channel,
      userId: w.member('ana'),
      name: 'subscribe',
      options: [{ name: 'service', value: 'all' }],
      appPermissions: (PermissionBits.ViewChannel | PermissionBits.SendMessages).toString(),
    });
    expect(await content(handle)).toEqual({
      type: 4,
      content: "I can't post alerts in \\#no\\-embeds: I am missing Embed Links.",
      flags: EPHEMERAL,
    });
    expect(w.subscriptions.getChat({ platform: 'discord', chatId: channel })).toBeNull();
  });

  it('answers an unknown service privately with suggestions, storing nothing', async () => {
    const w = await world();
    const alerts = w.channel('alerts');
    const reply = await content(
      w.fake.interaction({
        kind: 'command',
        channelId: alerts,
        userId: w.member('ana'),
        name: 'subscribe',
        options: [{ name: 'service', value: 'our sit' }],
      }),
    );
    expect(reply.flags).toBe(EPHEMERAL);
    expect(reply.content).toMatch(/^I don't know the service "our sit"\. Did you mean Our site/);
    expect(w.subscriptions.listSubscriptions({ platform: 'discord', chatId: alerts })).toEqual([]);
  });

  it('defers a slow command and edits the answer in', async () => {
    const slow = (port: CommandPort): CommandPort => ({
      ...port,
      autocomplete: (q, l) => port.autocomplete(q, l),
      serviceIds: () => port.serviceIds(),
      handle: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        return port.handle(request);
      },
    });
    const w = await world(slow, 20);
    const handle = w.fake.interaction({ kind: 'command', channelId: w.channel('alerts'), name: 'services' });
    expect((await handle.response()).type).toBe(5);
    const original = await w.fake.waitFor(() =>
      handle.original()?.content.startsWith('Services we watch') === true ? handle.original() : undefined,
    );
    expect(original.flags & EPHEMERAL).toBe(0);
    expect(original.allowedMentions).toEqual({ parse: [] });
  });

  it('attaches the /status chart; text alone when the chart is missing, fails or is refused', async () => {
    let mode: 'png' | 'none' | 'throw' | 'too-big' = 'png';
    const w = await world((p) => p, undefined, {
      attachmentSizeLimitBytes: 1024,
      renderChartPng: (serviceId) => {
        if (mode === 'throw') throw new Error('resvg failed');
        if (mode === 'none' || serviceId !== 'site') return null;
        return fakePng(mode === 'too-big' ? 2048 : 256);
      },
    });
    const status = () =>
      w.fake.interaction({
        kind: 'command',
        channelId: w.channel('alerts'),
        name: 'status',
        options: [{ name: 'service', value: 'site' }],
      });
    const withChart = status();
    const response = await withChart.response();
    expect(String(response.data.content)).toMatch(/^Our site/);
    expect(response.files).toHaveLength(1);
    expect(response.files[0]?.data.equals(fakePng(256))).toBe(true);
    expect(withChart.original()?.attachments).toMatchObject([
      { filename: 'site-24h.png', contentType: 'image/png', size: 256 },
    ]);

    for (const next of ['none', 'throw', 'too-big'] as const) {
      mode = next;
      const handle = status();
      const reply = await handle.response();
      expect(String(reply.data.content), next).toMatch(/^Our site/);
      expect(reply.files, next).toEqual([]);
      expect(handle.original()?.attachments, next).toEqual([]);
    }
  });

  it('attaches the chart when a slow /status is deferred and edited in', async () => {
    const slow = (port: CommandPort): CommandPort => ({
      ...port,
      autocomplete: (q, l) => port.autocomplete(q, l),
      serviceIds: () => port.serviceIds(),
      handle: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        return port.handle(request);
      },
    });
    const w = await world(slow, 20, { renderChartPng: () => fakePng(300) });
    const handle = w.fake.interaction({
      kind: 'command',
      channelId: w.channel('alerts'),
      name: 'status',
      options: [{ name: 'service', value: 'site' }],
    });
    expect((await handle.response()).type).toBe(5);
    const original = await w.fake.waitFor(() =>
      handle.original()?.attachments.length === 1 ? handle.original() : undefined,
    );
    expect(original.content).toMatch(/^Our site/);
    expect(original.attachments[0]?.data.equals(fakePng(300))).toBe(true);
  });

  it('tells an admin on their next command that alerts stopped for missing permissions', async () => {
    const w = await world();
    const alerts = w.channel('alerts');
    const chat = { platform: 'discord' as const, chatId: alerts };
    w.subscriptions.subscribe({ ...chat, guildId: w.guild.id }, 'site', 'minor', Date.now());
    w.subscriptions.deactivateChat(chat, MISSING_PERMISSIONS_REASON, Date.now());
    const handle = w.fake.interaction({
      kind: 'command',
      channelId: alerts,
      userId: w.member('ana'),
      name: 'subscriptions',
      appPermissions: PermissionBits.ViewChannel.toString(),
    });
    await handle.response();
    const notice = await w.fake.waitFor(() => handle.followUps()[0]);
    expect(notice.content).toBe("I can't post alerts in \\#alerts: I am missing Send Messages, Embed Links.");
    expect(notice.flags).toBe(EPHEMERAL);
  });
});

describe('Discord settings', () => {
  it('stores the role to ping for outages from the role option', async () => {
    const w = await world();
    const alerts = w.channel('alerts');
    const role = must(w.guild.roles['@everyone'], 'role');
    const handle = w.fake.interaction({
      kind: 'command',
      channelId: alerts,
      userId: w.member('ana'),
      name: 'settings',
      options: [
        { name: 'role', type: 8, value: role },
        { name: 'timezone', value: 'Asia/Dhaka' },
      ],
    });
    expect((await content(handle)).type).toBe(4);
    expect(w.subscriptions.getSettings({ platform: 'discord', chatId: alerts })).toMatchObject({
      mentionRoleId: role,
      timeZone: 'Asia/Dhaka',
    });
  });

  it('refuses an invalid option privately and changes nothing', async () => {
    const w = await world();
    const alerts = w.channel('alerts');
    const reply = await content(
      w.fake.interaction({
        kind: 'command',
        channelId: alerts,
        userId: w.member('ana'),
        name: 'settings',
        options: [{ name: 'timezone', value: 'Mars/Olympus' }],
      }),
    );
    expect(reply.flags).toBe(EPHEMERAL);
    expect(reply.content).toMatch(/Mars\/Olympus is not a time zone I know/);
    expect(w.subscriptions.getChat({ platform: 'discord', chatId: alerts })).toBeNull();
  });
});

describe('Discord autocomplete and buttons', () => {
  it('offers at most 25 services, "all" first where it is allowed', async () => {
    const w = await world();
    const alerts = w.channel('alerts');
    const ask = async (name: string, value: string) => {
      const handle = w.fake.interaction({
        kind: 'autocomplete',
        channelId: alerts,
        name,
        options: [{ name: 'service', value, focused: true }],
      });
      const response = await handle.response();
      expect(response.type).toBe(8);
      return response.data.choices as { name: string; value: string }[];
    };
    const everything = await ask('subscribe', '');
    expect(everything).toHaveLength(25);
    expect(everything[0]).toEqual({ name: 'all', value: 'all' });
    expect((await ask('status', '')).map((c) => c.value)).not.toContain('all');
    expect(await ask('status', 'our')).toEqual([{ name: 'Our site (site)', value: 'site' }]);
    const many = await ask('report', 'service');
    expect(many.length).toBeGreaterThan(0);
    expect(many.length).toBeLessThanOrEqual(25);
  });

  it("answers /watch's components from the page in url, at most 25, none for a member or a failure", async () => {
    const asked: unknown[] = [];
    let fail = false;
    const w = await world((port) => ({
      handle: (request) => port.handle(request),
      autocomplete: (q, l, scope) => port.autocomplete(q, l, scope),
      serviceIds: () => port.serviceIds(),
      completeComponents: (url, typed, waitMs) => {
        asked.push([url, typed, waitMs]);
        if (fail) return Promise.reject(new Error('page read failed'));
        return Promise.resolve(Array.from({ length: 30 }, (_, i) => ({ name: `C ${i}`, value: `C ${i}` })));
      },
    }));
    const ask = async (userId: string) => {
      const response = await w.fake
        .interaction({
          kind: 'autocomplete',
          channelId: w.channel('alerts'),
          userId,
          name: 'watch',
          options: [
            { name: 'url', value: 'https://status.example.com/' },
            { name: 'components', value: 'Git Operations, c', focused: true },
          ],
        })
        .response();
      expect(response.type).toBe(8);
      return response.data.choices as { name: string; value: string }[];
    };
    const choices = await ask(w.member('ana'));
    expect(choices).toHaveLength(25);
    expect(choices[0]).toEqual({ name: 'C 0', value: 'C 0' });
    expect(asked).toEqual([
      ['https://status.example.com/', 'Git Operations, c', COMPONENT_AUTOCOMPLETE_WAIT_MS],
    ]);
    // A member cannot add a page, so it is not read for them.
    expect(await ask(w.member('bob'))).toEqual([]);
    expect(asked).toHaveLength(1);
    fail = true;
    expect(await ask(w.member('ana'))).toEqual([]);
  });

  it('mutes the service for the channel from the alert button', async () => {
    const w = await world();
    const alerts = w.channel('alerts');
    const handle = w.fake.interaction({ kind: 'button', channelId: alerts, customId: 'm:site' });
    const reply = await content(handle);
    expect(reply.type).toBe(4);
    expect(reply.content).toMatch(/^Our site alerts are muted in this chat until /);
  });

  it('counts an "I\'m affected too" press as a report and acknowledges it privately', async () => {
    const w = await world();
    const alerts = w.channel('alerts');
    const reply = await content(
      w.fake.interaction({ kind: 'button', channelId: alerts, customId: 'r:site' }),
    );
    expect(reply).toMatchObject({ type: 4, flags: EPHEMERAL });
    expect(reply.content).toMatch(/Our site/);
  });
});
