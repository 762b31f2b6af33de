/**
 * Still-down reminders end to end, the whole app in-process against the local Telegram and
 * Discord (SQLite; the outbox rows behind them are tested on both backends in
 * test/db/outbox-reminders.test.ts). A pace minute lasts 100 ms here (the app's
 * `reminderMinuteMs` option), so `/settings remind 30m` reminds after 3 s: an admin sets it, their
 * local site goes down, the alert comes, then "still down" as a reply to it; the site comes back,
 * the recovery comes, and no reminder is left to go out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { type MonitorWorld, startMonitorWorld } from './monitor-harness.js';
import { waitUntil } from './telegram-harness.js';

/** Checks every second, a fresh monitor's confirmation, then the outbox and a 3 s pace. */
const WAIT_MS = 30_000;
/** The chat's reminder rows still to go out (planned, due, or in flight). */
const UNSENT =
  "SELECT COUNT(*) AS n FROM outbox WHERE event_kind = 'reminder' AND status IN ('planned', 'pending', 'leased')";

let world: MonitorWorld | undefined;
const targets: HttpTarget[] = [];
afterEach(async () => {
  await world?.close();
  await Promise.all(targets.splice(0).map((t) => t.close()));
  world = undefined;
});

async function setUp(): Promise<{ world: MonitorWorld; site: HttpTarget }> {
  const site = await startHttpTarget();
  targets.push(site);
  world = await startMonitorWorld({ allowedRanges: ['127.0.0.0/8'], admins: 1, reminderMinuteMs: 100 });
  return { world, site };
}

async function untilUp(app: MonitorWorld['app'], serviceId: string): Promise<void> {
  await waitUntil(() => app.engine.serviceState(serviceId)?.status === 'up', WAIT_MS);
}

describe('still-down reminders in chat', () => {
  it('Telegram: a reminder replies to the alert while the site is down, none is left after the recovery', async () => {
    const { world: w, site } = await setUp();
    const { telegram, app } = w;
    const [admin, group] = [telegram.admins[0], telegram.groups[0]];
    if (admin === undefined || group === undefined) throw new Error('no admin');

    const saved = await telegram.say(group, admin, '/settings remind 30m');
    expect(saved.text).toMatch(/^Settings saved\.\n/);
    expect(saved.text).toMatch(/Still-down reminders: after 30 minutes, then twice as long each time/);
    await telegram.say(group, admin, `/monitor add site ${site.url} 1s`);
    const serviceId = app.chatMonitors.servicesOf({ platform: 'telegram', chatId: String(group) })[0]?.id;
    if (serviceId === undefined) throw new Error('the monitor is not a service of the group');
    await untilUp(app, serviceId);

    site.up = false;
    const alert = await telegram.fake.waitFor(
      () => telegram.fake.messages(group).find((m) => /^🔴 site is down/.test(m.text)),
      WAIT_MS,
    );
    const reminder = await telegram.fake.waitFor(
      () =>
        telegram.fake.messages(group).find((m) => m.text.startsWith('Reminder: site is still down, for ')),
      WAIT_MS,
    );
    expect(reminder.replyToMessageId).toBe(alert.messageId);
    expect(reminder.replyMarkup).toBeUndefined();

    site.up = true;
    await telegram.fake.waitFor(
      () =>
        telegram.fake
          .messages(group)
          .find((m) => m.replyToMessageId === alert.messageId && /back up/.test(m.text)),
      WAIT_MS,
    );
    // The recovery cancelled what was planned; what was in flight has settled.
    await waitUntil(() => (app.db?.prepare(UNSENT).get() as { n: number } | undefined)?.n === 0, WAIT_MS);
  }, 90_000);

  it("Discord: the reminder replies to the alert and pings the chat's role, and only it", async () => {
    const { world: w, site } = await setUp();
    const { discord, app } = w;
    const [admin, channel] = [discord.admins[0], discord.channels[0]];
    if (admin === undefined || channel === undefined) throw new Error('no admin');
    const role = '223456789012345678';

    const saved = await discord.fake
      .interaction({
        kind: 'command',
        channelId: channel,
        userId: admin,
        name: 'settings',
        options: [
          { name: 'role', value: role },
          { name: 'remind', value: '30m' },
        ],
      })
      .response(WAIT_MS);
    expect(String(saved.data.content)).toMatch(/^Settings saved\./);
    await discord.monitor(channel, admin, 'add', { name: 'site', target: site.url, every: '1s' });
    const scope = { platform: 'discord' as const, chatId: channel, guildId: discord.guild.id };
    const serviceId = app.chatMonitors.servicesOf(scope)[0]?.id;
    if (serviceId === undefined) throw new Error('the monitor is not a service of the guild');
    await untilUp(app, serviceId);

    site.up = false;
    const alert = await discord.fake.waitFor(
      () => discord.fake.messagesIn(channel).find((m) => m.source === 'channel' && m.embeds.length > 0),
      WAIT_MS,
    );
    const reminder = await discord.fake.waitFor(
      () => discord.fake.messagesIn(channel).find((m) => m.content.includes('Reminder: site is still down')),
      WAIT_MS,
    );
    expect(reminder.content).toMatch(new RegExp(`^<@&${role}> Reminder: site is still down, for `));
    expect(reminder.allowedMentions).toEqual({ parse: [], roles: [role] });
    expect(reminder.messageReference).toMatchObject({ message_id: alert.id });
    expect(reminder.components).toEqual([]);
  }, 90_000);
});
