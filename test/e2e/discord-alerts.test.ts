/**
 * `npm start` with Discord enabled, against the local Discord: an outage of a local HTTP target
 * becomes one embed in the subscribed channel and its recovery a reply to it, also across a
 * forced gateway reconnect in the middle of the incident.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type MessageRecord, PermissionBits } from '../fakes/discord/index.js';
import { BACKENDS } from '../helpers/backends.js';
import { type DiscordWorld, must, startDiscordWorld, STARTUP_WAIT_MS } from './discord-harness.js';

const DOWN_TITLE = 'Our site is down';
const RECOVERED_TITLE = /^Our site is back up after /;

let world: DiscordWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function title(message: MessageRecord | undefined): string {
  return String((message?.embeds[0] as { title?: unknown } | undefined)?.title ?? '');
}

describe.each(BACKENDS)('Discord alerts end to end on %s', (backend) => {
  // On PostgreSQL too: the alert and its recovery as a reply (incident, outbox rows and the stored
  // message reference); the reconnect case below exercises the gateway, not storage.
  it('registers the commands, posts the outage as an embed and the recovery as a reply', async () => {
    world = await startDiscordWorld(backend);
    const { fake, guild, target } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    const generalId = must(guild.channels.general, 'general');
    await world.subscribe(alertsId, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/, STARTUP_WAIT_MS);
    expect(
      fake
        .commands(guild.id)
        .map((c) => c.name)
        .sort(),
    ).toEqual(
      [
        'board',
        'help',
        'incidents',
        'maintenance',
        'monitor',
        'note',
        'report',
        'services',
        'settings',
        'silence',
        'status',
        'subscribe',
        'subscriptions',
        'unsubscribe',
        'watch',
      ].sort(),
    );
    expect(fake.commands()).toEqual([]);

    target.up = false;
    const alert = await fake.waitFor(() => fake.messagesIn(alertsId)[0], 20_000);
    expect(title(alert)).toBe(DOWN_TITLE);
    expect(alert.embeds[0]).toMatchObject({
      color: 0xe74c3c,
      description: expect.stringMatching(/HTTP 503/),
    });
    expect(alert.allowedMentions).toEqual({ parse: [] });
    expect(alert.components).toMatchObject([
      { components: [{ custom_id: 'r:site' }, { custom_id: 'm:site' }] },
    ]);

    target.up = true;
    const recovery = await fake.waitFor(() => fake.messagesIn(alertsId)[1], 20_000);
    expect(title(recovery)).toMatch(RECOVERED_TITLE);
    expect(recovery.messageReference).toMatchObject({ message_id: alert.id });
    expect(fake.messagesIn(alertsId)).toHaveLength(2);
    expect(fake.messagesIn(generalId)).toEqual([]);
    expect(fake.rateLimitedCount).toBe(0);
  }, 180_000);
});

// Storage as in the case above, on SQLite only (to keep the suite's time down).
describe('Discord alerts end to end on sqlite', () => {
  const backend = 'sqlite' as const;
  it('loses nothing when the gateway reconnects in the middle of an incident', async () => {
    world = await startDiscordWorld(backend);
    const { fake, guild, target } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    await world.subscribe(alertsId, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/, STARTUP_WAIT_MS);

    target.up = false;
    const alert = await fake.waitFor(() => fake.messagesIn(alertsId)[0], 20_000);
    const identifies = () => fake.gatewayLog.filter((e) => e.direction === 'received' && e.op === 2).length;
    expect(identifies()).toBe(1);
    fake.forceReconnect();
    await fake.waitFor(() => fake.gatewayLog.some((e) => e.t === 'RESUMED'));
    target.up = true;
    const recovery = await fake.waitFor(() => fake.messagesIn(alertsId)[1], 20_000);
    expect(title(alert)).toBe(DOWN_TITLE);
    expect(title(recovery)).toMatch(RECOVERED_TITLE);
    expect(recovery.messageReference).toMatchObject({ message_id: alert.id });
    // Resumed, not re-identified; and the bot still answers on the resumed session.
    expect(identifies()).toBe(1);
    expect(fake.messagesIn(alertsId)).toHaveLength(2);
  }, 180_000);
});

// Incident threads (`/settings threads on`), on SQLite only: the alert starts a thread through the
// bot's discord.js REST client, an update (an operator's /note) and the recovery are posted in it
// too, and the thread is archived; a thread deleted meanwhile is started anew from the alert.
describe('Discord incident threads end to end on sqlite', () => {
  it('starts a thread from the alert, posts the update and the recovery there and archives it', async () => {
    world = await startDiscordWorld('sqlite', {
      botPermissions:
        PermissionBits.ViewChannel |
        PermissionBits.SendMessages |
        PermissionBits.SendMessagesInThreads |
        PermissionBits.CreatePublicThreads |
        PermissionBits.EmbedLinks |
        PermissionBits.AttachFiles |
        PermissionBits.ReadMessageHistory |
        PermissionBits.UseApplicationCommands,
    });
    const { fake, guild, target, db } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    await world.subscribe(alertsId, 'site');
    await db.subscriptions((s) =>
      s.updateSettings({ platform: 'discord', chatId: alertsId }, { threads: true }, Date.now()),
    );
    const ana = must(guild.members.ana, 'ana');
    const bot = world.startBot({ OPERATORS: `discord:${ana}` });
    await bot.waitForLine(/status API on/, STARTUP_WAIT_MS);

    target.up = false;
    const alert = await fake.waitFor(() => fake.messagesIn(alertsId)[0], 20_000);
    const thread = await fake.waitFor(() => fake.threadOf(alert.id));
    expect(thread.name).toMatch(/^Our site outage — /);
    expect(title(alert)).toBe(DOWN_TITLE);

    // An operator's note is an update of the incident: the alert is edited, the thread told.
    const note = (text: string) =>
      fake
        .interaction({
          kind: 'command',
          channelId: alertsId,
          userId: ana,
          name: 'note',
          options: [
            { name: 'service', value: 'site' },
            { name: 'text', value: text },
          ],
        })
        .response();
    await note('Looking into it');
    const update = await fake.waitFor(() => fake.messagesIn(thread.id)[0], 20_000);
    expect(JSON.stringify(update.embeds)).toMatch(/Looking into it/);
    await fake.waitFor(() => (alert.edits.length > 0 ? alert : undefined));

    // Someone deletes the thread: the next update only edits the alert (Unknown Channel), the one
    // after it starts a new thread from the alert and is posted there.
    fake.deleteThread(thread.id);
    await note('Rolling back');
    await fake.waitFor(() => (alert.edits.length > 1 ? alert : undefined), 20_000);
    await note('Rolled back');
    const again = await fake.waitFor(() => {
      const restarted = fake.threadOf(alert.id);
      return restarted !== undefined && !restarted.deleted ? restarted : undefined;
    }, 20_000);
    const live = () => fake.messagesIn(again.id).filter((m) => !m.deleted);
    const restartedUpdate = await fake.waitFor(() => live()[0], 20_000);
    expect(JSON.stringify(restartedUpdate.embeds)).toMatch(/Rolled back/);

    target.up = true;
    const recovery = await fake.waitFor(
      () => fake.messagesIn(alertsId).find((m) => m.messageReference !== undefined),
      20_000,
    );
    expect(recovery.messageReference).toMatchObject({ message_id: alert.id });
    const inThread = await fake.waitFor(() => live()[1], 20_000);
    expect(title(inThread)).toMatch(RECOVERED_TITLE);
    await fake.waitFor(() => again.thread?.archived === true);
    // In the channel: the alert and the recovery (besides the answers to /note), as without threads.
    expect(fake.messagesIn(alertsId).filter((m) => m.source === 'channel')).toHaveLength(2);
    expect(live()).toHaveLength(2);
  }, 180_000);
});
