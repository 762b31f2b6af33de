/**
 * The whole app (startApp: scheduler, probes, engine, outbox, worker, HTTP) with the Discord
 * platform against the local Discord, driven as a new user would: the commands appear, an admin
 * subscribes a channel (a member cannot), autocomplete helps, and an outage of the local target
 * arrives as an embed followed by a recovery reply.
 *
 * In-process (startApp with the config `npm start` would build), so the platforms and their
 * command layer come from the composition root itself (src/platforms/registry.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import type { MessageRecord } from '../fakes/discord/index.js';
import { BACKENDS } from '../helpers/backends.js';
import { type DiscordWorld, must, startDiscordApp, startDiscordWorld } from './discord-harness.js';
import { DISCORD_COMMANDS } from '../../src/platforms/discord/discord-commands.js';

/** Every slash command the registry defines. */
const COMMAND_COUNT = DISCORD_COMMANDS.length;

const EPHEMERAL = 64;
/** https://www.w3.org/TR/png/#5PNG-file-signature */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let world: DiscordWorld | undefined;
let app: RunningApp | undefined;
afterEach(async () => {
  await app?.stop();
  await world?.close();
  app = world = undefined;
});

const title = (m: MessageRecord | undefined): string =>
  String((m?.embeds[0] as { title?: unknown } | undefined)?.title ?? '');

// On PostgreSQL too: subscriptions written by commands, then an alert and its recovery as a reply
// (incident, outbox rows, the stored message reference).
describe.each(BACKENDS)('Discord commands in the running app on %s', (backend) => {
  it('registers, subscribes for an admin only, autocompletes, shows a status with its chart, then alerts and recovers', async () => {
    world = await startDiscordWorld(backend);
    const { fake, guild, target } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    app = await startDiscordApp(world);
    expect(fake.commands(guild.id)).toHaveLength(COMMAND_COUNT);
    expect(app.platforms.map((p) => [p.name, p.connected])).toEqual([['discord', true]]);

    const choices = await fake
      .interaction({
        kind: 'autocomplete',
        channelId: alertsId,
        name: 'subscribe',
        options: [{ name: 'service', value: 'our', focused: true }],
      })
      .response();
    expect(choices.data.choices).toEqual([{ name: 'Our site (site)', value: 'site' }]);

    const subscribe = (user: string) =>
      fake
        .interaction({
          kind: 'command',
          channelId: alertsId,
          userId: must(guild.members[user], user),
          name: 'subscribe',
          options: [{ name: 'service', value: 'site' }],
        })
        .response();
    const refused = await subscribe('bob');
    expect(refused.data).toMatchObject({
      content: 'Only admins of this chat can do that.',
      flags: EPHEMERAL,
    });
    expect(await world.chat(alertsId)).toBeNull();
    const accepted = await subscribe('ana');
    expect(accepted.data.content).toMatch(/^This chat now gets alerts for Our site/);
    expect(await world.subscriptions(alertsId)).toMatchObject([{ serviceId: 'site', minSeverity: 'minor' }]);

    const status = fake.interaction({
      kind: 'command',
      channelId: alertsId,
      userId: must(guild.members.bob, 'bob'),
      name: 'status',
      options: [{ name: 'service', value: 'site' }],
    });
    const shown = await status.response();
    expect(String(shown.data.content)).toMatch(/^Our site: /);
    const chart = must(status.original()?.attachments[0], 'chart attachment');
    expect(chart).toMatchObject({ filename: 'site-24h.png', contentType: 'image/png' });
    expect(chart.data.subarray(0, PNG_SIGNATURE.length)).toEqual(PNG_SIGNATURE);
    expect(chart.size).toBeGreaterThan(1_000);

    target.up = false;
    const alert = await fake.waitFor(
      () => fake.messagesIn(alertsId).find((m) => m.source === 'channel'),
      20_000,
    );
    expect(title(alert)).toBe('Our site is down');
    target.up = true;
    const recovery = await fake.waitFor(
      () => fake.messagesIn(alertsId).filter((m) => m.source === 'channel')[1],
      20_000,
    );
    expect(title(recovery)).toMatch(/^Our site is back up after /);
    expect(recovery.messageReference).toMatchObject({ message_id: alert.id });
  });
});

// The chat's stored language is written and read through the settings store as the subscription
// is in the case above; its contract suite (test/db) runs on both backends. SQLite only here, to keep
// the suite's time down.
describe('a Discord channel switched to Hindi on sqlite', () => {
  const backend = 'sqlite' as const;
  it('offers Hindi in /settings, answers in Hindi and alerts in Hindi with Devanagari digits', async () => {
    world = await startDiscordWorld(backend);
    const { fake, guild, target } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    await world.subscribe(alertsId, 'site');
    app = await startDiscordApp(world);

    const settings = fake.commands(guild.id).find((c) => c.name === 'settings');
    const language = (settings?.options as { name: string; choices?: unknown }[] | undefined)?.find(
      (o) => o.name === 'language',
    );
    expect(language?.choices).toEqual([
      { name: 'English', value: 'en' },
      { name: 'বাংলা', value: 'bn' },
      { name: 'हिन्दी', value: 'hi' },
    ]);

    const saved = await fake
      .interaction({
        kind: 'command',
        channelId: alertsId,
        userId: must(guild.members.ana, 'ana'),
        name: 'settings',
        options: [{ name: 'language', value: 'hi' }],
      })
      .response();
    expect(String(saved.data.content)).toMatch(/^सेटिंग्स सेव हो गईं।\nभाषा: हिन्दी/);
    expect((await world.chat(alertsId))?.settings.locale).toBe('hi');

    target.up = false;
    const alert = await fake.waitFor(
      () => fake.messagesIn(alertsId).find((m) => m.source === 'channel'),
      20_000,
    );
    expect(title(alert)).toBe('Our site बंद है');
    expect(alert.embeds[0]).toMatchObject({ description: expect.stringMatching(/HTTP ५०३/) });
  });
});
