/**
 * Every chat feature in every shipped language, through the real discord.js client against the
 * local Discord: one app in process (startDiscordApp), and for each language of `LOCALES` a channel
 * of the guild whose admin sets it with `/settings language`, then drives `/services`, `/settings
 * remind` and `threads`, `/silence`, `/monitor add`, `/maintenance`, `/watch`, `/board` and `/note`
 * with good input and bad. Each reply must be the one that language's catalogue gives for those
 * arguments, rendered as Discord shows it (escaped; a refusal only to the caller), and each effect
 * is checked where it lands: the channel's settings, its silences, the maintenance windows, the
 * guild's monitors, the board message and its pin, the alert edited with the note. SQLite only, as
 * test/e2e/telegram-languages.test.ts says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { DEFAULT_CHAT_MONITOR_LIMITS } from '../../src/chat-monitors/chat-monitor-limits.js';
import { ownerKeyOf } from '../../src/chat-monitors/chat-monitor-service.js';
import { REMIND_PACES_MINUTES } from '../../src/core/delivery/reminders.js';
import { LOCALES, type Locale, type Messages, messagesFor } from '../../src/core/i18n/index.js';
import { describeSsrfRefusal } from '../../src/core/i18n/ssrf-messages.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { escapeDiscordMarkdown, renderDiscordText } from '../../src/platforms/discord/discord-render.js';
import { type InteractionOptionInput, type MessageRecord, PermissionBits } from '../fakes/discord/index.js';
import { DEFAULT_BOT_PERMISSIONS } from '../fakes/discord/guild-store.js';
import {
  type DiscordWorld,
  commandAnswer,
  must,
  startDiscordApp,
  startDiscordWorld,
  waitUntil,
} from './discord-harness.js';
import {
  ROOMY_COMMAND_RATES,
  type StatusHost,
  native,
  startStatusHost,
  tomorrowAtTen,
} from './language-fixtures.js';

/** Two failed checks a second apart, a re-check, the gather: far less on a quiet machine. */
const ALERT_WAIT_MS = 30_000;
const EPHEMERAL = 64;
const UTC = 'UTC';
const channelName = (locale: Locale) => `alerts-${locale}`;

let world: DiscordWorld;
let app: RunningApp;
let host: StatusHost;

beforeAll(async () => {
  host = await startStatusHost();
  world = await startDiscordWorld('sqlite', {
    channels: LOCALES.map(channelName),
    // Pin Messages, as a server that wants its board pinned grants it.
    botPermissions: DEFAULT_BOT_PERMISSIONS | PermissionBits.PinMessages,
  });
  app = await startDiscordApp(world, {
    config: {
      // bob, a member without Manage Channels, is an operator.
      operators: [`discord:${must(world.guild.members.bob, 'bob')}`],
      chatMonitors: {
        ...DEFAULT_CHAT_MONITOR_LIMITS,
        minIntervalMs: 1_000,
        timeoutMs: 2_000,
        allowedRanges: ['127.0.0.0/8'],
        public: false,
      },
      commandRates: ROOMY_COMMAND_RATES,
    },
  });
});

afterAll(async () => {
  await app?.stop();
  await world?.close();
  await host?.close();
});

interface Channel {
  readonly locale: Locale;
  readonly m: Messages;
  readonly id: string;
  /** Runs `/name` with these options as `user` (ana, the admin, by default). */
  run(name: string, options: InteractionOptionInput[], user?: 'ana' | 'bob'): Promise<MessageRecord>;
  /** Runs it and expects a public reply of exactly `text`. */
  info(name: string, options: InteractionOptionInput[], text: string, user?: 'ana' | 'bob'): Promise<void>;
  /** Runs it and expects a reply of exactly `text` that only the caller sees. */
  problem(name: string, options: InteractionOptionInput[], text: string, user?: 'ana' | 'bob'): Promise<void>;
}

function channelOf(locale: Locale): Channel {
  const id = must(world.guild.channels[channelName(locale)], channelName(locale));
  const run: Channel['run'] = (name, options, user = 'ana') =>
    commandAnswer(world.fake, {
      kind: 'command',
      channelId: id,
      userId: must(world.guild.members[user], user),
      name,
      options,
    });
  const expectReply = async (answer: Promise<MessageRecord>, text: string, ephemeral: boolean) => {
    const reply = await answer;
    expect(reply.content).toBe(renderDiscordText(text).content);
    expect(reply.flags & EPHEMERAL).toBe(ephemeral ? EPHEMERAL : 0);
  };
  return {
    locale,
    m: messagesFor(locale),
    id,
    run,
    info: (name, options, text, user) => expectReply(run(name, options, user), text, false),
    problem: (name, options, text, user) => expectReply(run(name, options, user), text, true),
  };
}

const opts = (values: Readonly<Record<string, string>>): InteractionOptionInput[] =>
  Object.entries(values).map(([name, value]) => ({ name, value }));
const sub = (name: string, values: Readonly<Record<string, string>> = {}): InteractionOptionInput[] => [
  { name, options: opts(values) },
];

const store = () => {
  const db = app.db;
  if (db === null) throw new Error('the app is not on SQLite');
  return { db, subscriptions: new SqliteSubscriptionStore(db) };
};
const address = (c: Channel) => ({ platform: 'discord' as const, chatId: c.id });
const settingsOf = async (c: Channel) => {
  const chat = await store().subscriptions.getChat(address(c));
  if (chat === null) throw new Error(`no chat record for ${c.locale}`);
  return chat.settings;
};

describe('every chat feature in every language on Discord', () => {
  it.each(LOCALES)(
    '%s: each command answers in the channel’s language, good input and bad',
    async (locale) => {
      const c = channelOf(locale);
      const { m } = c;
      const settings = (remindMinutes: number | null, threads: boolean) =>
        m.commands.settings({
          changed: true,
          languageName: m.languageName,
          timeZone: UTC,
          quietHours: null,
          mentionRoleId: null,
          remindMinutes,
          threads,
        });

      await c.info('settings', opts({ language: locale }), settings(null, false));
      expect((await settingsOf(c)).locale).toBe(locale);

      // /services <search>
      await c.info(
        'services',
        opts({ search: 'our' }),
        m.commands.servicesMatching({ given: 'our', services: [{ id: 'site', name: 'Our site' }] }),
      );
      await c.info(
        'services',
        opts({ search: 'zzqx' }),
        m.commands.servicesMatching({ given: 'zzqx', services: [] }),
      );

      // /settings remind and threads: good values, one not offered, and off.
      await c.info('settings', opts({ remind: '1h' }), settings(60, false));
      expect((await settingsOf(c)).remindMinutes).toBe(60);
      await c.problem(
        'settings',
        opts({ remind: '3h' }),
        m.commands.invalidRemindPace({ given: '3h', paces: REMIND_PACES_MINUTES }),
      );
      await c.info('settings', opts({ remind: m.offWords[0] ?? 'off' }), settings(null, false));
      expect((await settingsOf(c)).remindMinutes).toBeNull();
      await c.info('settings', opts({ threads: 'on' }), settings(null, true));
      expect((await settingsOf(c)).threads).toBe(true);
      await c.problem(
        'settings',
        opts({ threads: 'maybe' }),
        m.commands.missingArgument({ command: '/settings', argument: 'threads' }),
      );
      await c.info('settings', opts({ threads: 'off' }), settings(null, false));
      expect((await settingsOf(c)).threads).not.toBe(true);

      // /silence <service|all> <duration>, /silence off
      const silenced = await c.run('silence', sub('set', { service: 'site', duration: '2h' }));
      const silences = store().subscriptions.listSilences(address(c), Date.now());
      expect(silences).toEqual([{ serviceId: 'site', endsAt: expect.any(Number) }]);
      const until = silences[0]?.endsAt ?? 0;
      expect(silenced.content).toBe(
        renderDiscordText(m.commands.serviceSilenced({ serviceName: 'Our site', until, timeZone: UTC }))
          .content,
      );
      // Typed in the language's own digits, as /settings reads them.
      const again = await c.run('silence', sub('set', { service: 'site', duration: native(locale, '3h') }));
      const until3h = store().subscriptions.listSilences(address(c), Date.now())[0]?.endsAt ?? 0;
      expect(until3h).toBeGreaterThan(until);
      expect(again.content).toBe(
        renderDiscordText(
          m.commands.serviceSilenced({ serviceName: 'Our site', until: until3h, timeZone: UTC }),
        ).content,
      );
      await c.problem(
        'silence',
        sub('set', { service: 'site', duration: '2x' }),
        m.commands.invalidSilenceDuration({ given: '2x' }),
      );
      await c.problem(
        'silence',
        sub('set', { service: 'zzqx', duration: '1h' }),
        m.commands.unknownService({ given: 'zzqx', suggestions: [] }),
      );
      await c.info(
        'silence',
        sub('off', { service: 'site' }),
        m.commands.serviceSilenceEnded({ serviceName: 'Our site' }),
      );
      expect(store().subscriptions.listSilences(address(c), Date.now())).toEqual([]);
      await c.problem(
        'silence',
        sub('off', { service: 'site' }),
        m.commands.serviceNotSilenced({ serviceName: 'Our site' }),
      );
      const all = await c.run('silence', sub('set', { service: 'all', duration: '1h' }));
      const mutedUntil = (await settingsOf(c)).mutedUntil;
      expect(mutedUntil).toBeGreaterThan(Date.now());
      expect(all.content).toBe(
        renderDiscordText(m.commands.silenced({ until: mutedUntil ?? 0, timeZone: UTC })).content,
      );
      await c.info('silence', sub('off'), m.commands.silenceEnded());
      expect((await settingsOf(c)).mutedUntil).toBeNull();
      await c.problem('silence', sub('off'), m.commands.notSilenced());

      // /maintenance of the guild's own monitor: set, list, cancel, and what it refuses.
      const own = `own-${locale}`;
      await c.info(
        'monitor',
        sub('add', { name: own, target: world.target.url, every: native(locale, '1m') }),
        m.monitors.added({ monitor: { name: own, target: world.target.url, intervalMs: 60_000 } }),
      );
      const start = tomorrowAtTen(Date.now());
      const window = { name: own, start: start.at, end: start.at + 2 * 3_600_000 };
      await c.info(
        'maintenance',
        sub('set', { name: own, start: start.typed, duration: '2h' }),
        m.commands.maintenanceSet({ ...window, timeZone: UTC }),
      );
      const stored = () =>
        store()
          .db.prepare('SELECT starts_at AS start, ends_at AS end FROM chat_maintenance WHERE owner_key = ?')
          .all(ownerKeyOf({ platform: 'discord', chatId: c.id, guildId: world.guild.id }));
      expect(stored()).toEqual([{ start: window.start, end: window.end }]);
      await c.info(
        'maintenance',
        sub('list'),
        m.commands.maintenanceList({ windows: [window], now: Date.now(), timeZone: UTC }),
      );
      // The same window typed in the language's own digits replaces it with itself.
      await c.info(
        'maintenance',
        sub('set', { name: own, start: native(locale, start.typed), duration: native(locale, '2h') }),
        m.commands.maintenanceSet({ ...window, timeZone: UTC }),
      );
      expect(stored()).toEqual([{ start: window.start, end: window.end }]);
      await c.problem(
        'maintenance',
        sub('set', { name: own, start: '25:99', duration: '1h' }),
        m.commands.maintenanceBadStart({ given: '25:99' }),
      );
      await c.problem(
        'maintenance',
        sub('set', { name: own, start: '2020-01-01 10:00', duration: '1h' }),
        m.commands.maintenancePastStart({ given: '2020-01-01 10:00' }),
      );
      await c.problem(
        'maintenance',
        sub('set', { name: own, start: 'now', duration: '1m' }),
        m.commands.maintenanceBadDuration({ given: '1m' }),
      );
      await c.problem(
        'maintenance',
        sub('set', { name: 'nosuch', start: 'now', duration: '1h' }),
        m.commands.maintenanceUnknownMonitor({ given: 'nosuch', known: [own] }),
      );
      await c.info(
        'maintenance',
        sub('cancel', { name: own }),
        m.commands.maintenanceCancelled({ name: own }),
      );
      expect(stored()).toEqual([]);
      await c.problem('maintenance', sub('cancel', { name: own }), m.commands.maintenanceNone({ name: own }));
      await c.info(
        'maintenance',
        sub('list'),
        m.commands.maintenanceList({ windows: [], now: Date.now(), timeZone: UTC }),
      );

      // /watch: a status page given as its HTML page, JSON of no status shape, a refused address.
      await c.info(
        'watch',
        opts({ url: `${host.base}/about` }),
        m.monitors.watchAdded({
          name: '127.0.0.1',
          url: `${host.base}/api/v2/summary.json`,
          components: [],
          intervalMs: 1_000,
        }),
      );
      const scope = { platform: 'discord', chatId: c.id, guildId: world.guild.id };
      expect(app.chatMonitors.servicesOf(scope).map((s) => s.name)).toEqual([own, '127.0.0.1']);
      await c.problem(
        'watch',
        opts({ url: `${host.base}/data.json` }),
        m.monitors.notStatusPage({ found: { kind: 'unknown-json' } }),
      );
      await c.problem(
        'watch',
        opts({ url: 'http://169.254.169.254/latest/meta-data/' }),
        m.monitors.refused({ reason: describeSsrfRefusal(locale, 'cloud-metadata') }),
      );

      // /board: posted, pinned, stopped; stopping again says there is none.
      await c.info('board', sub('on'), m.board.started({ replaced: false }));
      const fake = world.fake;
      const title = renderDiscordText(m.board.title()).content;
      const board = await fake.waitFor(() =>
        fake.messagesIn(c.id).find((msg) => msg.source === 'channel' && msg.content.startsWith(title)),
      );
      expect(board.content.endsWith(renderDiscordText(m.board.live()).content)).toBe(true);
      await waitUntil(() => board.pinned === true);
      await c.info('board', sub('off'), m.board.ended());
      const stopped = renderDiscordText(m.board.stopped()).content;
      await waitUntil(
        () =>
          fake
            .messagesIn(c.id)
            .find((msg) => msg.id === board.id)
            ?.content.endsWith(stopped) === true,
      );
      await c.problem('board', sub('off'), m.board.none());

      // /note: the admin on the guild's own monitor may (no incident yet), on a catalogue service may
      // not; the operator may on any service.
      await c.problem(
        'note',
        opts({ service: own, text: 'checking the router' }),
        m.commands.noteNoIncident({ serviceName: own }),
      );
      await c.problem('note', opts({ service: 'site', text: 'bad deploy' }), m.commands.noteNotAllowed());
      await c.problem(
        'note',
        opts({ service: 'github', text: 'bad deploy' }),
        m.commands.noteNoIncident({ serviceName: 'GitHub' }),
        'bob',
      );

      // The guild's monitors go, so the next language's channel starts from none.
      await c.info('monitor', sub('remove', { name: own }), m.monitors.removed({ name: own }));
      await c.info(
        'monitor',
        sub('remove', { name: '127.0.0.1' }),
        m.monitors.removed({ name: '127.0.0.1' }),
      );
      await c.info(
        'subscribe',
        opts({ service: 'site' }),
        m.commands.subscribed({ target: { kind: 'service', name: 'Our site' }, severity: 'minor' }),
      );
    },
  );

  it('an operator’s /note edits each channel’s alert in its language', async () => {
    const channels = LOCALES.map(channelOf);
    await waitUntil(() => app.engine.serviceState('site')?.status === 'up', ALERT_WAIT_MS);
    world.target.up = false;
    const fake = world.fake;
    const alertOf = (c: Channel) => {
      const title = escapeDiscordMarkdown(
        c.m.alert.title({ change: 'opened', serviceName: 'Our site', state: 'down' }),
      );
      return fake
        .messagesIn(c.id)
        .find(
          (msg) =>
            msg.source === 'channel' && (msg.embeds[0] as { title?: string } | undefined)?.title === title,
        );
    };
    const alerts = await Promise.all(channels.map((c) => fake.waitFor(() => alertOf(c), ALERT_WAIT_MS)));
    for (const [n, c] of channels.entries()) {
      const text = `rolled back in ${c.locale}`;
      await c.info(
        'note',
        opts({ service: 'site', text, mark: 'identified' }),
        c.m.commands.noteAdded({ serviceName: 'Our site', open: true }),
        'bob',
      );
      const line = escapeDiscordMarkdown(`• ${c.m.alert.note({ mark: 'identified', text })}`);
      const id = alerts[n]?.id;
      const description = () =>
        String(
          (fake.messagesIn(c.id).find((msg) => msg.id === id)?.embeds[0] as { description?: string })
            ?.description,
        );
      await waitUntil(() => description().includes(line), ALERT_WAIT_MS);
    }
  });
});
