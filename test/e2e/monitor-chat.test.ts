/**
 * Monitors added from chat as a new user tries them, on both platforms at once (real telegraf and discord.js against
 * the local Telegram and Discord): the operator allows 127.0.0.0/8 for the demo; a member cannot
 * add a monitor; an admin adds their local site, sees it in `/monitor list` and `/status`, takes
 * the site down and gets the alert in the chat; the cloud metadata address is refused with its
 * reason; `/monitor remove` ends it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderDiscordText } from '../../src/platforms/discord/discord-render.js';
import { describeSsrfRefusal } from '../../src/core/i18n/ssrf-messages.js';
import { createSystemResolver } from '../../src/monitors/ssrf/ssrf-guard.js';
import { type FakeDnsServer, startDnsServer } from '../fakes/dns-server.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { type Backend } from '../helpers/backend-database.js';
import { BACKENDS } from '../helpers/backends.js';
import { EPHEMERAL, type MonitorWorld, startMonitorWorld } from './monitor-harness.js';
import { waitUntil } from './telegram-harness.js';

/**
 * A check a second; a fresh monitor has no history yet, so its learned confirmation asks for up to
 * 10 failures (docs/detection.md); then the outbox: far less than this even on a loaded machine.
 */
const ALERT_WAIT_MS = 30_000;
const ADMINS_ONLY = 'Only admins of this chat can do that.';
const METADATA = `This target cannot be added. ${describeSsrfRefusal('en', 'cloud-metadata')}`;
const added = (url: string) => `Added “site”: ${url}, checked every 1 second. This chat gets its alerts.`;

/** Waits for the monitor's first confirmed good checks; a timeout says what the engine saw. */
async function untilUp(app: MonitorWorld['app'], serviceId: string): Promise<void> {
  try {
    await waitUntil(() => app.engine.serviceState(serviceId)?.status === 'up', ALERT_WAIT_MS);
  } catch {
    throw new Error(`${serviceId} never came up: ${JSON.stringify(app.engine.serviceState(serviceId))}`);
  }
}

let world: MonitorWorld | undefined;
let dns: FakeDnsServer | undefined;
const targets: HttpTarget[] = [];
afterEach(async () => {
  await world?.close();
  await dns?.close();
  await Promise.all(targets.splice(0).map((t) => t.close()));
  world = dns = undefined;
});

async function setUp(backend: Backend): Promise<{ world: MonitorWorld; site: HttpTarget }> {
  const site = await startHttpTarget();
  targets.push(site);
  world = await startMonitorWorld({ backend, allowedRanges: ['127.0.0.0/8'], admins: 1 });
  return { world, site };
}

// Adding, listing, alerting and removing store chat monitors and outbox rows.
describe.each(BACKENDS)('/monitor in chat, as a new user tries it on %s', (backend) => {
  // On PostgreSQL too: a monitor added from chat (stored with its subscription), then its outage through
  // the outbox; the Discord case below stores the same rows through the same stores.
  it('Telegram: a member is refused, an admin watches the local site and gets its outage', async () => {
    const { world: w, site } = await setUp(backend);
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
    await untilUp(app, serviceId);
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
});

// Storage as in the case above, on SQLite only (to keep the suite's time down).
describe('/monitor in chat, as a new user tries it on sqlite', () => {
  const backend = 'sqlite' as const;
  it('Discord: a member is refused privately, an admin watches the local site and gets its outage', async () => {
    const { world: w, site } = await setUp(backend);
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
    // Autocomplete offers the guild's own monitor next to the catalogue.
    const choices = await discord.fake
      .interaction({
        kind: 'autocomplete',
        channelId: channel,
        name: 'status',
        options: [{ name: 'service', value: 'sit', focused: true }],
      })
      .response();
    expect(choices.data.choices).toEqual([{ name: `site (${serviceId})`, value: serviceId }]);
    // And `/monitor remove` offers it by the name it takes, the catalogue's services not at all.
    const names = await discord.fake
      .interaction({
        kind: 'autocomplete',
        channelId: channel,
        name: 'monitor',
        options: [{ name: 'remove', options: [{ name: 'name', value: '', focused: true }] }],
      })
      .response();
    expect(names.data.choices).toEqual([{ name: 'site', value: 'site' }]);
    await untilUp(app, serviceId);
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

// The SSRF guard vets each check's own DNS answer: no storage at stake, so SQLite only.
describe('/monitor in chat, against a name that rebinds', () => {
  it('a name that rebinds to a private address after it was added goes down without a connection', async () => {
    // The local DNS server answers a public address first (the check at /monitor add), then a
    // private one for every later lookup (the checks): each check vets its own answer.
    dns = await startDnsServer({ 'shop.example': { AAAA: [] }, 'game.example': { AAAA: [] } });
    for (const name of ['shop.example', 'game.example'])
      dns.setAnswer(name, 'A', ['93.184.216.34'], ['10.0.0.7']);
    world = await startMonitorWorld({ admins: 1, resolveAddress: createSystemResolver([dns.address]) });
    const { telegram, discord } = world;
    const [tgAdmin, group] = [telegram.admins[0], telegram.groups[0]];
    const [dcAdmin, channel] = [discord.admins[0], discord.channels[0]];
    if (!tgAdmin || !group || !dcAdmin || !channel) throw new Error('no admins');

    const tgAdded = await telegram.say(group, tgAdmin, '/monitor add shop http://shop.example/ 1s');
    expect(tgAdded.text).toMatch(/^Added “shop”/);
    const dcAdded = await discord.monitor(channel, dcAdmin, 'add', {
      name: 'game',
      target: 'game.example:25565',
      every: '1s',
    });
    expect(dcAdded.content).toMatch(/^Added “game”/);

    const tgAlert = await telegram.fake.waitFor(
      () => telegram.fake.messages(group).find((m) => /^🔴 shop is down/.test(m.text)),
      ALERT_WAIT_MS,
    );
    expect(tgAlert.text).toMatch(
      /^• http:\/\/shop\.example\/: address not allowed \(private or reserved network\)/m,
    );
    const dcAlert = await discord.fake.waitFor(
      () => discord.fake.messagesIn(channel).find((m) => m.source === 'channel'),
      ALERT_WAIT_MS,
    );
    expect(dcAlert.embeds[0]).toMatchObject({ title: 'game is down' });
    // Refused by the guard before connecting (a connection attempt would say why it failed).
    const evidence = (platform: 'telegram' | 'discord', chatId: string) => {
      const scope = { platform, chatId, guildId: platform === 'discord' ? discord.guild.id : null };
      const id = world?.app.chatMonitors.servicesOf(scope)[0]?.id ?? '';
      return world?.app.engine.serviceState(id)?.evidence;
    };
    expect(evidence('telegram', String(group))).toMatchObject([
      { reason: 'blocked', message: 'target refused: private' },
    ]);
    expect(evidence('discord', channel)).toMatchObject([
      { reason: 'blocked', message: 'target refused: private' },
    ]);
    expect(dns.queries.filter((q) => q.name === 'shop.example' && q.type === 'A').length).toBeGreaterThan(1);
  }, 60_000);
});
