/**
 * Every hostile target of the shared table is refused through the real command path on
 * both platforms: a group admin types `/monitor add` to the real telegraf adapter on the local
 * Bot API, a Manage Channels member runs the `/monitor add` slash command through the real
 * discord.js adapter on the local Discord, and each is answered with the reason the SSRF guard
 * gives. Names resolve through a local DNS server (the system resolver pointed at it), including
 * one that answers a public address first and a loopback one second. Nothing is stored.
 *
 * One app serves both platforms; the commands are spread over admins and chats so the per-user
 * (5 per 10 s) and per-chat (20 a minute) budgets are never reached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDiscordText } from '../../src/platforms/discord/discord-render.js';
import { describeSsrfRefusal, type SsrfRefusalReason } from '../../src/core/i18n/ssrf-messages.js';
import { createSystemResolver } from '../../src/monitors/ssrf/ssrf-guard.js';
import { type FakeDnsServer, type FakeDnsZone, startDnsServer } from '../fakes/dns-server.js';
import { HOSTILE_TARGETS, HOSTILE_ZONE } from '../ssrf/hostile-target-table.js';
import { EPHEMERAL, type MonitorWorld, startMonitorWorld } from './monitor-harness.js';

/**
 * The table without its empty target: on both platforms an empty target is a missing argument
 * (Telegram answers with the usage, Discord does not let a required option be empty).
 */
const TARGETS = HOSTILE_TARGETS.filter(([target]) => target !== '');
/** Commands per admin: the per-user budget's burst. */
const PER_ADMIN = 5;
const ADMINS = Math.ceil(TARGETS.length / PER_ADMIN);
/** One more admin, with a budget left, reads `/monitor list` at the end. */
const LISTER = ADMINS;

/** HOSTILE_ZONE as DNS records: IPv4 answers as A, IPv6 as AAAA; a name with none is NODATA. */
function zoneOf(zone: Readonly<Record<string, readonly string[]>>): FakeDnsZone {
  return Object.fromEntries(
    Object.entries(zone).map(([name, addresses]) => [
      name,
      {
        A: addresses.filter((a) => !a.includes(':')),
        AAAA: addresses.filter((a) => a.includes(':')),
      },
    ]),
  );
}

const EMPTY_LISTING = 'Monitors (0/20):\nNone yet. Add one with /monitor add.';

const refusal = (reason: SsrfRefusalReason) =>
  `This target cannot be added. ${describeSsrfRefusal('en', reason)}`;

/** Runs `ask` for every target, admin by admin (each admin's commands at once), in table order. */
async function acrossAdmins<T>(ask: (target: string, admin: number, n: number) => Promise<T>): Promise<T[]> {
  const answers: T[] = [];
  for (let admin = 0; admin < ADMINS; admin++) {
    const batch = TARGETS.slice(admin * PER_ADMIN, (admin + 1) * PER_ADMIN);
    answers.push(
      ...(await Promise.all(batch.map(([target], i) => ask(target, admin, admin * PER_ADMIN + i)))),
    );
  }
  return answers;
}

let dns: FakeDnsServer;
let world: MonitorWorld;

beforeAll(async () => {
  dns = await startDnsServer(zoneOf(HOSTILE_ZONE));
  // Public first, loopback second, in one answer: one forbidden address refuses the name.
  dns.setAnswer('mixed.example', 'A', ['93.184.216.34', '127.0.0.1']);
  world = await startMonitorWorld({
    admins: ADMINS + 1,
    resolveAddress: createSystemResolver([dns.address]),
  });
}, 60_000);

afterAll(async () => {
  await world?.close();
  await dns?.close();
});

describe('hostile monitor targets refused in chat', () => {
  it(`uses at least 60 targets (${TARGETS.length})`, () => {
    expect(TARGETS.length).toBeGreaterThanOrEqual(60);
  });

  it('Telegram: every target is refused in the group with its reason, and nothing is added', async () => {
    const { telegram } = world;
    const replies = await acrossAdmins(async (target, admin, n) => {
      const [from, groupId] = [telegram.admins[admin], telegram.groups[admin]];
      if (from === undefined || groupId === undefined) throw new Error(`no admin ${admin}`);
      return (await telegram.say(groupId, from, `/monitor add t${n} ${target}`)).text;
    });
    expect(replies).toEqual(TARGETS.map(([, reason]) => refusal(reason)));
    const [lister, group] = [telegram.admins[LISTER], telegram.groups[LISTER]];
    if (lister === undefined || group === undefined) throw new Error('no lister');
    expect((await telegram.say(group, lister, '/monitor list')).text).toBe(EMPTY_LISTING);
  }, 120_000);

  it('Discord: every target is refused privately with its reason, and nothing is added', async () => {
    const { discord } = world;
    const replies = await acrossAdmins(async (target, admin, n) => {
      const [userId, channelId] = [discord.admins[admin], discord.channels[admin]];
      if (userId === undefined || channelId === undefined) throw new Error(`no admin ${admin}`);
      const reply = await discord.monitor(channelId, userId, 'add', { name: `t${n}`, target });
      return { content: reply.content, ephemeral: (reply.flags & EPHEMERAL) !== 0 };
    });
    const rendered = (reason: SsrfRefusalReason) => renderDiscordText(refusal(reason)).content;
    expect(replies).toEqual(TARGETS.map(([, reason]) => ({ content: rendered(reason), ephemeral: true })));
    const [lister, channel] = [discord.admins[LISTER], discord.channels[LISTER]];
    if (lister === undefined || channel === undefined) throw new Error('no lister');
    const listing = await discord.monitor(channel, lister, 'list');
    expect(listing.content).toBe(renderDiscordText(EMPTY_LISTING).content);
  }, 120_000);
});
