/**
 * Self-tests of the local Discord (test/fakes/discord) driven by the real discord.js client, so the
 * fake is known to honour the contract of docs/platforms.md §2 before adapters rely on it.
 */
import { once } from 'node:events';
import {
  type AutocompleteInteraction,
  ButtonStyle,
  type ChatInputCommandInteraction,
  Client,
  ComponentType,
  DiscordAPIError,
  type DiscordjsError,
  Events,
  GatewayIntentBits,
  type Interaction,
  MessageFlags,
  PermissionFlagsBits,
  RESTEvents,
  Routes,
  type SendableChannels,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  type FakeDiscord,
  type FakeDiscordOptions,
  guildIdOnShard,
  PermissionBits,
  shardOfGuild,
  startFakeDiscord,
} from '../fakes/discord/index.js';

const fakes: FakeDiscord[] = [];
const clients: Client[] = [];

afterEach(async () => {
  // Clients first: a client whose server vanished keeps trying to reconnect.
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

async function startFake(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = await startFakeDiscord({
    heartbeatIntervalMs: 100,
    onUnknownRoute: () => undefined,
    ...options,
  });
  fakes.push(fake);
  return fake;
}

function newClient(fake: FakeDiscord, extra: Partial<ConstructorParameters<typeof Client>[0]> = {}): Client {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.restUrl }, ...extra });
  client.on(Events.Error, () => undefined); // docs/platforms.md §2.4: an unhandled 'error' kills the run
  clients.push(client);
  return client;
}

async function login(
  fake: FakeDiscord,
  extra: Partial<ConstructorParameters<typeof Client>[0]> = {},
): Promise<Client> {
  const client = newClient(fake, extra);
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
  return client;
}

/** A fake with guild "Ops" (#alerts, #general, member ana with Manage Channels) and a logged-in client. */
async function world(options: FakeDiscordOptions = {}) {
  const fake = await startFake(options);
  const guild = fake.addGuild({
    name: 'Ops',
    preferredLocale: 'en-GB',
    channels: [{ name: 'alerts' }, { name: 'general' }],
    members: [{ username: 'ana', permissions: PermissionBits.ManageChannels }],
  });
  const client = await login(fake);
  const alertsId = must(guild.channels.alerts, 'alerts');
  const channel = client.channels.cache.get(alertsId);
  if (channel?.isSendable() !== true) throw new Error('alerts is not sendable');
  return { fake, guild, client, alertsId, alerts: channel as SendableChannels };
}

/** Runs `handler` for the next interaction and keeps what it threw. */
function onInteraction(client: Client, handler: (i: Interaction) => Promise<unknown>): { errors: unknown[] } {
  const seen = { errors: [] as unknown[] };
  client.once(
    Events.InteractionCreate,
    (i) => void handler(i).catch((err: unknown) => seen.errors.push(err)),
  );
  return seen;
}

async function apiError(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DiscordAPIError)) throw new Error(`expected DiscordAPIError, got ${String(err)}`);
  return err;
}

describe('login', () => {
  it('fires clientReady with the guild, its channels and the bot member cached', async () => {
    const { fake, guild, client } = await world();
    const cached = must(client.guilds.cache.get(guild.id), 'guild');
    expect(cached.name).toBe('Ops');
    expect(cached.channels.cache.map((c) => c.name).sort()).toEqual(['alerts', 'general']);
    expect(client.user?.id).toBe(fake.botUser.id);
    expect(cached.members.me?.permissions.has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect(fake.unknownRoutes).toEqual([]);
  });

  it('answers heartbeats, so the client measures a ping', async () => {
    const { fake, client } = await world();
    await fake.waitFor(() => fake.gatewayLog.some((e) => e.direction === 'sent' && e.op === 11));
    await fake.waitFor(() => client.ws.ping >= 0);
  });

  it('rejects a bad token with discord.js TokenInvalid and REST 401 code 0', async () => {
    const fake = await startFake();
    const err = await newClient(fake)
      .login('not-the-token')
      .catch((e: unknown) => e);
    expect((err as DiscordjsError).code).toBe('TokenInvalid');
    const res = await fetch(`${fake.restUrl}/v10/users/@me`, { headers: { authorization: 'Bot wrong' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: '401: Unauthorized', code: 0 });
  });

  it('closes the gateway with 4004 when IDENTIFY carries a bad token', async () => {
    const fake = await startFake();
    const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    const [hello] = (await once(ws, 'message')) as [Buffer];
    expect(JSON.parse(hello.toString())).toMatchObject({ op: 10, d: { heartbeat_interval: 100 } });
    ws.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: {} } }));
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(4004);
  });
});

describe('application commands', () => {
  it('stores guild commands put by discord.js and counts only new names as creates', async () => {
    const { fake, guild, client } = await world();
    const commands = [
      {
        name: 'subscribe',
        description: 'Get alerts here',
        defaultMemberPermissions: PermissionFlagsBits.ManageChannels,
      },
    ];
    await must(client.application ?? undefined, 'application').commands.set(commands, guild.id);
    await must(client.application ?? undefined, 'application').commands.set(commands, guild.id);
    expect(fake.commands(guild.id)).toMatchObject([
      { name: 'subscribe', default_member_permissions: '16', guild_id: guild.id },
    ]);
    expect(fake.commands()).toEqual([]);
    expect(fake.commandCreates(guild.id)).toBe(1);
  });

  it('refuses a Bengali command name with 50035 and a full day of creates with 30034', async () => {
    const { fake, guild, client } = await world({ commandCreatesPerDay: 1 });
    const route = Routes.applicationGuildCommands(fake.applicationId, guild.id);
    const bad = await apiError(client.rest.put(route, { body: [{ name: 'অবস্থা', description: 'status' }] }));
    expect(bad.code).toBe(50035);
    const body = [
      { name: 'status', description: 'a' },
      { name: 'subscribe', description: 'b' },
    ];
    expect((await apiError(client.rest.put(route, { body }))).code).toBe(30034);
  });
});

describe('interactions', () => {
  it('delivers a slash command and records an ephemeral reply', async () => {
    const { fake, client, alertsId } = await world();
    let seen: ChatInputCommandInteraction | undefined;
    onInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) return;
      seen = i;
      await i.reply({
        content: `status of ${i.options.getString('service') ?? '?'}`,
        flags: MessageFlags.Ephemeral,
      });
    });
    const handle = fake.interaction({
      kind: 'command',
      channelId: alertsId,
      name: 'status',
      options: [{ name: 'service', value: 'github' }],
      locale: 'fr',
    });
    const response = await handle.response();
    expect(response).toMatchObject({
      type: 4,
      data: { content: 'status of github', flags: MessageFlags.Ephemeral },
    });
    expect(seen?.locale).toBe('fr');
    expect(seen?.guildLocale).toBe('en-GB');
    expect(seen?.memberPermissions?.has(PermissionFlagsBits.ManageChannels)).toBe(true);
    expect(seen?.appPermissions.has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect(handle.original()?.flags).toBe(MessageFlags.Ephemeral);
  });

  it('records deferReply then editReply as one original message with its history', async () => {
    const { fake, client, alertsId } = await world();
    onInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      await i.editReply('done');
    });
    const handle = fake.interaction({ kind: 'command', channelId: alertsId, name: 'status' });
    expect((await handle.response()).type).toBe(5);
    const original = await fake.waitFor(() =>
      handle.original()?.content === 'done' ? handle.original() : undefined,
    );
    expect(original.edits).toHaveLength(1);
    expect(original.flags & MessageFlags.Loading).toBe(0);
  });

  it('records autocomplete choices', async () => {
    const { fake, client, alertsId } = await world();
    onInteraction(client, async (i) => {
      if (i.isAutocomplete())
        await (i as AutocompleteInteraction).respond([{ name: 'GitHub', value: 'github' }]);
    });
    const handle = fake.interaction({
      kind: 'autocomplete',
      channelId: alertsId,
      name: 'status',
      options: [{ name: 'service', value: 'git', focused: true }],
    });
    expect(await handle.response()).toMatchObject({
      type: 8,
      data: { choices: [{ name: 'GitHub', value: 'github' }] },
    });
  });

  it('answers a second acknowledgement with 40060 and a late one with 10062', async () => {
    let now = 1_000_000;
    const { fake, client, alertsId } = await world({ clock: () => now });
    const first = onInteraction(client, async (i) => {
      if (!i.isRepliable()) return;
      await i.reply('first');
      await client.rest.post(Routes.interactionCallback(i.id, i.token), {
        body: { type: 4, data: { content: 'again' } },
        auth: false,
      });
    });
    await fake.interaction({ kind: 'command', channelId: alertsId, name: 'status' }).response();
    await fake.waitFor(() => first.errors.length > 0);
    expect(first.errors[0]).toMatchObject({ code: 40060, status: 400 });

    const late = onInteraction(client, async (i) => {
      now += 3_001; // the 3 s window passes before the bot answers
      if (i.isRepliable()) await i.reply('too late');
    });
    const handle = fake.interaction({ kind: 'command', channelId: alertsId, name: 'status' });
    await fake.waitFor(() => late.errors.length > 0);
    expect(late.errors[0]).toMatchObject({ code: 10062, status: 404 });
    expect(handle.record.response).toBeUndefined();
  });

  it('delivers a button press and records the update of its message', async () => {
    const { fake, client, alerts, alertsId } = await world();
    const sent = await alerts.send({
      content: 'GitHub is down',
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            { type: ComponentType.Button, style: ButtonStyle.Primary, customId: 'ack', label: 'Ack' },
          ],
        },
      ],
    });
    onInteraction(client, async (i) => {
      if (i.isButton() && i.customId === 'ack')
        await i.update({ content: 'GitHub is down (acknowledged)', components: [] });
    });
    const handle = fake.interaction({
      kind: 'button',
      channelId: alertsId,
      customId: 'ack',
      messageId: sent.id,
    });
    expect((await handle.response()).type).toBe(7);
    const [message] = fake.messagesIn(alertsId);
    expect(message?.content).toBe('GitHub is down (acknowledged)');
    expect(message?.edits.map((e) => e.content)).toEqual(['GitHub is down']);
  });
  it('records follow-ups, the first replacing a deferred placeholder as Discord does', async () => {
    const { fake, client, alertsId } = await world();
    onInteraction(client, async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      await i.followUp('first result');
      await i.followUp({ content: 'second result', flags: MessageFlags.Ephemeral });
    });
    const handle = fake.interaction({ kind: 'command', channelId: alertsId, name: 'status' });
    await fake.waitFor(() => handle.followUps().length === 1);
    expect(handle.original()?.content).toBe('first result');
    expect(handle.followUps().map((m) => [m.content, m.flags])).toEqual([
      ['second result', MessageFlags.Ephemeral],
    ]);
    expect(fake.messagesIn(alertsId).map((m) => m.source)).toEqual(['interaction-response', 'follow-up']);
  });
});

describe('channel messages', () => {
  it('refuses 2001 characters with 50035 and Discord error tree, accepts 2000', async () => {
    const { fake, alerts, alertsId } = await world();
    const err = await apiError(alerts.send('x'.repeat(2001)));
    expect(err.code).toBe(50035);
    expect(err.rawError).toMatchObject({
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
    const sent = await alerts.send('x'.repeat(2000));
    expect(fake.messagesIn(alertsId).map((m) => m.content.length)).toEqual([2000]);
    await sent.edit('shorter');
    expect(fake.messagesIn(alertsId)[0]).toMatchObject({
      content: 'shorter',
      edits: [{ content: 'x'.repeat(2000) }],
    });
    expect((await apiError(sent.edit('y'.repeat(2001)))).code).toBe(50035);
  });

  it('refuses an empty message with 50006 and embeds over 6000 characters with 50035', async () => {
    const { client, alertsId } = await world();
    const route = Routes.channelMessages(alertsId);
    expect((await apiError(client.rest.post(route, { body: { content: '' } }))).code).toBe(50006);
    const embeds = [{ description: 'a'.repeat(4000) }, { description: 'b'.repeat(4000) }];
    const err = await apiError(client.rest.post(route, { body: { embeds } }));
    expect(err.rawError).toMatchObject({
      code: 50035,
      errors: { embeds: { _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED' }] } },
    });
  });

  it('records allowed_mentions, the reply reference and a PNG attachment', async () => {
    const { fake, guild, alerts, alertsId } = await world();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const first = await alerts.send('incident opened');
    const roleId = must(guild.roles['@everyone'], 'role');
    await alerts.send({
      content: `<@&${roleId}> latency chart`,
      allowedMentions: { parse: [], roles: [roleId] },
      reply: { messageReference: first.id },
      files: [{ attachment: png, name: 'chart.png', description: 'p95 latency' }],
    });
    const chart = fake.messagesIn(alertsId)[1];
    expect(chart?.allowedMentions).toMatchObject({ parse: [], roles: [roleId] });
    expect(chart?.messageReference).toMatchObject({ message_id: first.id });
    expect(chart?.attachments).toMatchObject([
      { filename: 'chart.png', description: 'p95 latency', size: png.length },
    ]);
    expect(chart?.attachments[0]?.data.equals(png)).toBe(true);
  });

  it('refuses a file over the upload limit with 413 40005 and more than 10 files with 50035', async () => {
    const { fake, alerts, alertsId } = await world({ attachmentSizeLimitBytes: 16 });
    const file = (bytes: number, i = 0) => ({ attachment: Buffer.alloc(bytes, 1), name: `f${i}.bin` });
    const tooBig = await apiError(alerts.send({ content: 'big', files: [file(17)] }));
    expect([tooBig.status, tooBig.code]).toEqual([413, 40005]);
    const tooMany = await apiError(
      alerts.send({ content: 'many', files: Array.from({ length: 11 }, (_, i) => file(1, i)) }),
    );
    expect(tooMany.code).toBe(50035);
    expect(tooMany.rawError).toMatchObject({
      errors: { attachments: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
    await alerts.send({ content: 'ten', files: Array.from({ length: 10 }, (_, i) => file(16, i)) });
    expect(fake.messagesIn(alertsId).map((m) => m.attachments.length)).toEqual([10]);
  });

  it('answers 10003 after CHANNEL_DELETE, 50001 after revokeAccess and 50013 after revokeSendPermission', async () => {
    const { fake, guild, client, alertsId } = await world();
    const generalId = must(guild.channels.general, 'general');
    const send = (id: string) =>
      apiError(client.rest.post(Routes.channelMessages(id), { body: { content: 'x' } }));
    const deleted = once(client, Events.ChannelDelete);
    fake.deleteChannel(alertsId);
    await deleted;
    expect(await send(alertsId)).toMatchObject({ code: 10003, status: 404 });
    fake.revokeSendPermission(generalId);
    await fake.waitFor(
      () =>
        client.channels.cache.get(generalId)?.isSendable() &&
        !(
          client.guilds.cache
            .get(guild.id)
            ?.members.me?.permissionsIn(generalId)
            .has(PermissionFlagsBits.SendMessages) ?? true
        ),
    );
    expect(await send(generalId)).toMatchObject({ code: 50013, status: 403 });
    fake.revokeAccess(generalId);
    expect(await send(generalId)).toMatchObject({ code: 50001, status: 403 });
  });

  it('logs unknown routes and answers them 404 code 0', async () => {
    const { fake, client } = await world();
    expect(await apiError(client.rest.get('/voice/regions'))).toMatchObject({ code: 0, status: 404 });
    expect(fake.unknownRoutes).toEqual(['GET /voice/regions']);
  });
});

describe('rate limits', () => {
  it('lets discord.js wait out a 429 and still deliver the message', async () => {
    const { fake, client, alerts, alertsId } = await world();
    const limited: unknown[] = [];
    client.rest.on(RESTEvents.RateLimited, (info) => limited.push(info));
    fake.storm({ requests: 1, retryAfterMs: 50 });
    await alerts.send('after the storm');
    fake.storm({ requests: 1, retryAfterMs: 50, global: true });
    await alerts.send('after the global storm');
    expect(fake.rateLimitedCount).toBeGreaterThanOrEqual(2);
    expect(fake.messagesIn(alertsId).map((m) => m.content)).toEqual([
      'after the storm',
      'after the global storm',
    ]);
    expect(fake.calls.filter((c) => c.status === 429).map((c) => c.path)).toEqual([
      `/channels/${alertsId}/messages`,
      `/channels/${alertsId}/messages`,
    ]);
  });

  it('sends bucket headers and a per-channel 429 with Discord body and headers', async () => {
    const fake = await startFake({ rateLimits: { channelMessages: { limit: 2, windowMs: 60_000 } } });
    const guild = fake.addGuild({ name: 'Ops', channels: [{ name: 'alerts' }] });
    const url = `${fake.restUrl}/v10/channels/${must(guild.channels.alerts, 'alerts')}/messages`;
    const post = () =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: `Bot ${fake.token}`, 'content-type': 'application/json' },
        body: '{"content":"x"}',
      });
    const ok = await post();
    expect(ok.headers.get('x-ratelimit-limit')).toBe('2');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(ok.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    await post();
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ message: 'You are being rate limited.', global: false });
    expect(fake.rateLimitedCount).toBe(1);
  });

  it('applies the global limit with X-RateLimit-Global, but not to interaction callbacks', async () => {
    const fake = await startFake({ rateLimits: { globalPerSecond: 1 }, clock: () => 5_000 });
    const get = (path: string, method = 'GET') =>
      fetch(`${fake.restUrl}/v10${path}`, { method, headers: { authorization: `Bot ${fake.token}` } });
    expect((await get('/users/@me')).status).toBe(200);
    const limited = await get('/users/@me');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(await limited.json()).toMatchObject({ global: true });
    expect((await get('/interactions/1/nope/callback', 'POST')).status).toBe(404);
  });
});

describe('gateway sessions', () => {
  it('resumes after op 7 without a new IDENTIFY and replays a dispatch sent meanwhile', async () => {
    const { fake, client, alertsId } = await world();
    const resumed = once(client, Events.ShardResume);
    onInteraction(client, async (i) => {
      if (i.isRepliable()) await i.reply('still here');
    });
    fake.forceReconnect();
    const handle = fake.interaction({ kind: 'command', channelId: alertsId, name: 'status' });
    await resumed;
    expect((await handle.response()).data).toMatchObject({ content: 'still here' });
    const received = fake.gatewayLog.filter((e) => e.direction === 'received');
    expect(received.filter((e) => e.op === 2)).toHaveLength(1);
    expect(received.filter((e) => e.op === 6).map((e) => e.path)).toEqual(['/gateway-resume']);
    expect(fake.gatewayLog.some((e) => e.t === 'RESUMED')).toBe(true);
    // Sent on the new connection only: the replay, not the abandoned socket, delivered it.
    expect(fake.gatewayLog.filter((e) => e.t === 'INTERACTION_CREATE').map((e) => e.path)).toEqual([
      '/gateway-resume',
    ]);
  });

  it('makes the client IDENTIFY again after a non-resumable op 9', async () => {
    const fake = await startFake();
    fake.addGuild({ name: 'Ops', channels: [{ name: 'alerts' }] });
    // discord.js waits 5 s between identifies by default; the throttle is its own, not Discord's.
    const client = await login(fake, {
      ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => undefined }) },
    });
    // Wait for the client, not the fake's log: discord.js destroyed mid-IDENTIFY reconnects forever.
    const readyAgain = once(client, Events.ShardReady);
    fake.invalidateSession(false);
    await readyAgain;
    expect(fake.gatewayLog.filter((e) => e.t === 'READY')).toHaveLength(2);
    expect(fake.gatewayLog.filter((e) => e.direction === 'received' && e.op === 2)).toHaveLength(2);
    expect(client.guilds.cache.size).toBe(1);
  });

  it('delivers GUILD_DELETE to guildDelete, after which REST answers 50001', async () => {
    const { fake, guild, client, alertsId } = await world();
    const removed = once(client, Events.GuildDelete);
    fake.deleteGuild(guild.id);
    const [gone] = (await removed) as [{ id: string }];
    expect(gone.id).toBe(guild.id);
    expect(
      await apiError(client.rest.post(Routes.channelMessages(alertsId), { body: { content: 'x' } })),
    ).toMatchObject({ code: 50001 });
  });

  it('rejects pending waitFor calls when it closes', async () => {
    const fake = await startFake();
    const pending = fake.waitFor(() => false, 10_000);
    await fake.close();
    await expect(pending).rejects.toThrow('fake discord closed');
  });
});

/** Opens a raw gateway socket, sends IDENTIFY with `shard` and resolves with the close code. */
async function identifyCloseCode(fake: FakeDiscord, shard: unknown): Promise<number> {
  const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
  await once(ws, 'message'); // HELLO
  const closed = once(ws, 'close');
  ws.send(JSON.stringify({ op: 2, d: { token: fake.token, intents: 1, properties: {}, shard } }));
  const [code] = (await closed) as [number];
  return code;
}

describe('sharding', () => {
  it('recommends the shard count the test sets in GET /gateway/bot', async () => {
    const fake = await startFake();
    const get = async () => {
      const res = await fetch(`${fake.restUrl}/v10/gateway/bot`, {
        headers: { authorization: `Bot ${fake.token}` },
      });
      return ((await res.json()) as { shards: number }).shards;
    };
    expect(await get()).toBe(1);
    fake.setRecommendedShards(4);
    expect(await get()).toBe(4);
  });

  it('places guilds made by guildIdOnShard on that shard', () => {
    for (const count of [1, 2, 4, 7])
      for (let shard = 0; shard < count; shard++)
        for (const n of [0, 1, 5]) expect(shardOfGuild(guildIdOnShard(shard, count, n), count)).toBe(shard);
    expect(new Set([0, 1, 2].map((n) => guildIdOnShard(1, 4, n))).size).toBe(3);
  });

  it('closes with 4010 for a shard id out of range or a malformed shard', async () => {
    const fake = await startFake();
    expect(await identifyCloseCode(fake, [4, 4])).toBe(4010);
    expect(await identifyCloseCode(fake, [-1, 4])).toBe(4010);
    expect(await identifyCloseCode(fake, [0, 0])).toBe(4010);
    expect(await identifyCloseCode(fake, [0.5, 2])).toBe(4010);
    expect(await identifyCloseCode(fake, 'x')).toBe(4010);
    expect(fake.gatewayLog.some((e) => e.t === 'READY')).toBe(false);
  });

  it('closes with 4011 when a shard would hold more guilds than allowed', async () => {
    const fake = await startFake({ maxGuildsPerShard: 2, maxConcurrency: 16 });
    for (let n = 0; n < 3; n++) fake.addGuild({ id: guildIdOnShard(0, 2, n), name: `g${n}` });
    expect(await identifyCloseCode(fake, [0, 1])).toBe(4011);
    expect(await identifyCloseCode(fake, [0, 2])).toBe(4011);
    // Shard 1 of 2 holds none of them; two shards of 4 split them 2 + 1.
    const one = await login(fake, { shards: [1], shardCount: 2 });
    expect(one.guilds.cache.size).toBe(0);
    const client = await login(fake, { shards: [0, 2], shardCount: 4 });
    expect(client.guilds.cache.size).toBe(3);
  });

  it('sends READY, GUILD_CREATE and guild events only to the session of the guild shard', async () => {
    const fake = await startFake();
    const g0 = fake.addGuild({
      id: guildIdOnShard(0, 2),
      name: 'zero',
      channels: [{ name: 'a' }],
      members: [{ username: 'ana' }],
    });
    const g1 = fake.addGuild({
      id: guildIdOnShard(1, 2),
      name: 'one',
      channels: [{ name: 'b' }],
      members: [{ username: 'bob' }],
    });
    const a = await login(fake, { shards: [0], shardCount: 2 });
    const b = await login(fake, { shards: [1], shardCount: 2 });
    expect([...a.guilds.cache.keys()]).toEqual([g0.id]);
    expect([...b.guilds.cache.keys()]).toEqual([g1.id]);
    expect(fake.sessionShards).toEqual([
      [0, 2],
      [1, 2],
    ]);
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    a.on(Events.InteractionCreate, (i) => seenByA.push(i.guildId ?? ''));
    b.on(Events.InteractionCreate, (i) => seenByB.push(i.guildId ?? ''));
    const created = once(b, Events.ChannelCreate);
    fake.addChannel(g1.id, { name: 'new' });
    await created;
    expect(a.channels.cache.some((c) => 'name' in c && c.name === 'new')).toBe(false);
    const h0 = fake.interaction({ kind: 'command', channelId: must(g0.channels.a, 'a'), name: 'status' });
    const h1 = fake.interaction({ kind: 'command', channelId: must(g1.channels.b, 'b'), name: 'status' });
    expect([h0.delivered, h1.delivered]).toEqual([true, true]);
    await fake.waitFor(() => seenByA.length + seenByB.length === 2);
    expect(seenByA).toEqual([g0.id]);
    expect(seenByB).toEqual([g1.id]);
  });

  it('records an interaction as undelivered when no session holds its shard, also after a client logs out', async () => {
    const fake = await startFake();
    const g0 = fake.addGuild({
      id: guildIdOnShard(0, 2),
      name: 'zero',
      channels: [{ name: 'a' }],
      members: [{ username: 'ana' }],
    });
    const g1 = fake.addGuild({
      id: guildIdOnShard(1, 2),
      name: 'one',
      channels: [{ name: 'b' }],
      members: [{ username: 'bob' }],
    });
    const a = await login(fake, { shards: [0], shardCount: 2 });
    const lost = fake.interaction({ kind: 'command', channelId: must(g1.channels.b, 'b'), name: 'status' });
    expect(lost.delivered).toBe(false);
    expect(fake.undeliveredInteractions.map((i) => i.id)).toEqual([lost.id]);
    // discord.js closes with 1000 on destroy, which ends the session: shard 0 has nobody now.
    await a.destroy();
    await fake.waitFor(() => fake.sessionShards.length === 0);
    const late = fake.interaction({ kind: 'command', channelId: must(g0.channels.a, 'a'), name: 'status' });
    expect(late.delivered).toBe(false);
    expect(fake.undeliveredInteractions.map((i) => i.id)).toEqual([lost.id, late.id]);
  });
});
