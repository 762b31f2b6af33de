/**
 * Issue 7 as a new user tries it, on both platforms at once (real telegraf and discord.js against
 * the local Telegram and Discord): the operator allows 127.0.0.0/8 for the demo; a member cannot
 * add a monitor; an admin adds their local site, sees it in `/monitor list` and `/status`, takes
 * the site down and gets the alert in the chat; the cloud metadata address is refused with its
 * reason; `/monitor remove` ends it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderDiscordText } from '../../src/bot/discord/discord-render.js';
import { describeSsrfRefusal } from '../../src/core/i18n/ssrf-messages.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { EPHEMERAL, type MonitorWorld, startMonitorWorld } from './monitor-harness.js';
import { waitUntil } from './telegram-harness.js';

/** A check a second, two to confirm, then the outbox: far less than this even on a loaded machine. */
const ALERT_WAIT_MS = 20_000;
const ADMINS_ONLY = 'Only admins of this chat can do that.';
const METADATA = `This target cannot be added. ${describeSsrfRefusal('en', 'cloud-metadata')}`;
const added = (url: string) => `Added “site”: ${url}, checked every 1 second. This chat gets its alerts.`;

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
  world = await startMonitorWorld({ admins: 1, allowedRanges: ['127.0.0.0/8'] });
  return { world, site };
}

describe('/monitor in chat, as a new user tries it', () => {
  it('Telegram: a member is refused, an admin watches the local site and gets its outage', async () => {
    const { world: w, site } = await setUp();
    const { telegram, app } = w;
    const [admin, group] = [telegram.admins[0], telegram.groups[0]];
    if (admin === undefined || group === undefined) throw new Error('no admin');

    const refused = await telegram.say(group, telegram.member, `/monitor add site ${site.url} 1s`);
    expect(refused.text).toBe(ADMINS_ONLY);
    expect((await telegram.say(group, admin, '/monitor add x http://169.254.169.254/')).text).toBe(METADATA);
    expect((await telegram.say(group, admin, `/monitor add site ${site.url} 1s`)).text).toBe(added(site.url));
    const listing = await telegram.say(group, admin, '/monitor list');
    expect(listing.text).toMatch(/^Monitors \(1\/20\):\n• site: /);
    expect(listing.text).toMatch(/added “site”/);

    const serviceId = app.chatMonitors.servicesOf({ platform: 'telegram', chatId: String(group) })[0]?.id;
    if (serviceId === undefined) throw new Error('the monitor is not a service of the group');
    await waitUntil(() => app.engine.serviceState(serviceId)?.status === 'up', ALERT_WAIT_MS);
    site.up = false;
    const alert = await telegram.fake.waitFor(
      () => telegram.fake.messages(group).find((m) => /^🔴 site is down/.test(m.text)),
      ALERT_WAIT_MS,
    );
    expect(alert.parseMode).toBe('HTML');
    // A chat monitor has no chart; the status still answers.
    expect((await telegram.say(group, telegram.member, '/status site')).text).toMatch(/^site: down since /);

    expect((await telegram.say(group, admin, '/monitor remove site')).text).toBe('Removed “site”.');
    expect(app.chatMonitors.servicesOf({ platform: 'telegram', chatId: String(group) })).toEqual([]);
  }, 60_000);

  it('Discord: a member is refused privately, an admin watches the local site and gets its outage', async () => {
    const { world: w, site } = await setUp();
    const { discord, app } = w;
    const [admin, channel] = [discord.admins[0], discord.channels[0]];
    if (admin === undefined || channel === undefined) throw new Error('no admin');
    const add = (userId: string, target: string, every?: string) =>
      discord.monitor(channel, userId, 'add', { name: 'site', target, ...(every ? { every } : {}) });

    const refused = await add(discord.member, site.url, '1s');
    expect(refused.content).toBe(renderDiscordText(ADMINS_ONLY).content);
    expect(refused.flags & EPHEMERAL).toBe(EPHEMERAL);
    const metadata = await add(admin, 'http://169.254.169.254/');
    expect(metadata.content).toBe(renderDiscordText(METADATA).content);
    expect(metadata.flags & EPHEMERAL).toBe(EPHEMERAL);
    const done = await add(admin, site.url, '1s');
    expect(done.content).toBe(renderDiscordText(added(site.url)).content);
    expect(done.flags & EPHEMERAL).toBe(0);
    const listing = await discord.monitor(channel, admin, 'list');
    expect(listing.content).toMatch(/^Monitors \\\(1\/20\\\):\n• site: /);

    const scope = { platform: 'discord' as const, chatId: channel, guildId: discord.guild.id };
    const serviceId = app.chatMonitors.servicesOf(scope)[0]?.id;
    if (serviceId === undefined) throw new Error('the monitor is not a service of the guild');
    await waitUntil(() => app.engine.serviceState(serviceId)?.status === 'up', ALERT_WAIT_MS);
    site.up = false;
    const alert = await discord.fake.waitFor(
      () => discord.fake.messagesIn(channel).find((m) => m.source === 'channel'),
      ALERT_WAIT_MS,
    );
    expect(alert.embeds[0]).toMatchObject({ title: 'site is down' });
    expect(alert.allowedMentions).toEqual({ parse: [] });

    const removed = await discord.monitor(channel, admin, 'remove', { name: 'site' });
    expect(removed.content).toBe(renderDiscordText('Removed “site”.').content);
    expect(app.chatMonitors.servicesOf(scope)).toEqual([]);
  }, 60_000);
});
