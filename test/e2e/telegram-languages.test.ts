/**
 * Every chat feature in every shipped language, through the real telegraf client against the local
 * Bot API: one app in process, and for each language of `LOCALES` a group whose admin sets it with
 * `/settings language`, then drives `/services`, `/settings remind`, `/silence`, `/monitor add`,
 * `/maintenance`, `/watch`, `/board` and `/note` with good input and bad. Each reply must be the
 * one that language's catalogue gives for those arguments (so one falling back to English, or a
 * wrong message, fails), and each effect is checked where it lands: the chat's settings, its
 * silences, the maintenance windows, the chat's monitors, the board message and its pin, the alert
 * edited with the note. SQLite only: the stores behind these commands run on both backends in
 * test/db/, and test/e2e/monitor-chat.test.ts drives chat monitors on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerKeyOf } from '../../src/chat-monitors/chat-monitor-service.js';
import { REMIND_PACES_MINUTES } from '../../src/core/delivery/reminders.js';
import { LOCALES, type Locale, type Messages, messagesFor } from '../../src/core/i18n/index.js';
import { describeSsrfRefusal } from '../../src/core/i18n/ssrf-messages.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import type { BotApiUser } from '../fakes/telegram/bot-api-types.js';
import type { SentMessageRecord } from '../fakes/telegram/fake-state.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import {
  ROOMY_COMMAND_RATES,
  type StatusHost,
  native,
  siteService,
  startStatusHost,
  tomorrowAtTen,
} from './language-fixtures.js';
import { type MonitorWorld, startMonitorWorld } from './monitor-harness.js';
import { waitUntil } from './telegram-harness.js';

/** Two failed checks a second apart, a re-check, the gather: far less on a quiet machine. */
const ALERT_WAIT_MS = 30_000;
const UTC = 'UTC';

let world: MonitorWorld;
let site: HttpTarget;
let own: HttpTarget;
let host: StatusHost;

beforeAll(async () => {
  [site, own, host] = await Promise.all([startHttpTarget(), startHttpTarget(), startStatusHost()]);
  world = await startMonitorWorld({
    platforms: ['telegram'],
    // An administrator, as a group that wants its board pinned makes it.
    telegramBotAdmin: true,
    admins: LOCALES.length,
    allowedRanges: ['127.0.0.0/8'],
    services: siteService(site.url),
    commandRates: ROOMY_COMMAND_RATES,
  });
});

afterAll(async () => {
  await world?.close();
  await Promise.all([site?.close(), own?.close(), host?.close()]);
});

interface Chat {
  readonly locale: Locale;
  readonly m: Messages;
  readonly group: number;
  readonly admin: BotApiUser;
  /** The bot's reply to `text` sent by `from` (the admin by default). */
  say(text: string, from?: BotApiUser): Promise<string>;
}

function chatOf(locale: Locale, i: number): Chat {
  const tg = world.telegram;
  const group = tg.groups[i];
  const admin = tg.admins[i];
  if (group === undefined || admin === undefined) throw new Error(`no group for ${locale}`);
  return {
    locale,
    m: messagesFor(locale),
    group,
    admin,
    say: async (text, from = admin) => (await tg.say(group, from, text)).text,
  };
}

const store = () => {
  const db = world.app.db;
  if (db === null) throw new Error('the app is not on SQLite');
  return { db, subscriptions: new SqliteSubscriptionStore(db) };
};
const address = (c: Chat) => ({ platform: 'telegram' as const, chatId: String(c.group) });
const settingsOf = async (c: Chat) => {
  const chat = await store().subscriptions.getChat(address(c));
  if (chat === null) throw new Error(`no chat record for ${c.locale}`);
  return chat.settings;
};

describe('every chat feature in every language on Telegram', () => {
  it.each(LOCALES.map((locale, i) => [locale, i] as const))(
    '%s: each command answers in the chat’s language, good input and bad',
    async (locale, i) => {
      const c = chatOf(locale, i);
      const { m } = c;
      const { member, operator } = world.telegram;
      const off = m.offWords[0] ?? 'off';
      const settings = (remindMinutes: number | null) =>
        m.commands.settings({
          changed: true,
          languageName: m.languageName,
          timeZone: UTC,
          quietHours: null,
          remindMinutes,
        });

      expect(await c.say(`/settings language ${locale}`)).toBe(settings(null));
      expect((await settingsOf(c)).locale).toBe(locale);

      // /services <search>
      expect(await c.say('/services our')).toBe(
        m.commands.servicesMatching({ given: 'our', services: [{ id: 'site', name: 'Our site' }] }),
      );
      expect(await c.say('/services zzqx')).toBe(
        m.commands.servicesMatching({ given: 'zzqx', services: [] }),
      );

      // /settings remind: a pace, one not offered, and the language's own off word.
      expect(await c.say('/settings remind 1h')).toBe(settings(60));
      expect((await settingsOf(c)).remindMinutes).toBe(60);
      expect(await c.say('/settings remind 3h')).toBe(
        m.commands.invalidRemindPace({ given: '3h', paces: REMIND_PACES_MINUTES }),
      );
      expect((await settingsOf(c)).remindMinutes).toBe(60);
      expect(await c.say(`/settings remind ${off}`)).toBe(settings(null));
      expect((await settingsOf(c)).remindMinutes).toBeNull();

      // /silence <service|all> <duration>, /silence off
      const silenced = await c.say('/silence site 2h');
      const silences = store().subscriptions.listSilences(address(c), Date.now());
      expect(silences).toEqual([{ serviceId: 'site', endsAt: expect.any(Number) }]);
      const until = silences[0]?.endsAt ?? 0;
      expect(silenced).toBe(m.commands.serviceSilenced({ serviceName: 'Our site', until, timeZone: UTC }));
      // Typed in the language's own digits, as /settings reads them.
      const again = await c.say(`/silence site ${native(locale, '3h')}`);
      const until3h = store().subscriptions.listSilences(address(c), Date.now())[0]?.endsAt ?? 0;
      expect(until3h).toBeGreaterThan(until);
      expect(again).toBe(
        m.commands.serviceSilenced({ serviceName: 'Our site', until: until3h, timeZone: UTC }),
      );
      expect(await c.say('/silence site 2x')).toBe(m.commands.invalidSilenceDuration({ given: '2x' }));
      expect(await c.say('/silence site 5m')).toBe(m.commands.invalidSilenceDuration({ given: '5m' }));
      expect(await c.say('/silence zzqx 1h')).toBe(
        m.commands.unknownService({ given: 'zzqx', suggestions: [] }),
      );
      // `off` in the language's own word, as /settings reads it.
      expect(await c.say(`/silence ${off} site`)).toBe(
        m.commands.serviceSilenceEnded({ serviceName: 'Our site' }),
      );
      expect(store().subscriptions.listSilences(address(c), Date.now())).toEqual([]);
      expect(await c.say('/silence off site')).toBe(
        m.commands.serviceNotSilenced({ serviceName: 'Our site' }),
      );
      const all = await c.say('/silence all 1h');
      const mutedUntil = (await settingsOf(c)).mutedUntil;
      expect(mutedUntil).toBeGreaterThan(Date.now());
      expect(all).toBe(m.commands.silenced({ until: mutedUntil ?? 0, timeZone: UTC }));
      expect(await c.say(`/silence ${off}`)).toBe(m.commands.silenceEnded());
      expect((await settingsOf(c)).mutedUntil).toBeNull();
      expect(await c.say('/silence off')).toBe(m.commands.notSilenced());

      // /maintenance of the group's own monitor: set, list, cancel, and what it refuses.
      expect(await c.say(`/monitor add own ${own.url} ${native(locale, '1m')}`)).toBe(
        m.monitors.added({ monitor: { name: 'own', target: own.url, intervalMs: 60_000 } }),
      );
      const start = tomorrowAtTen(Date.now());
      const window = { name: 'own', start: start.at, end: start.at + 2 * 3_600_000 };
      expect(await c.say(`/maintenance own ${start.typed} 2h`)).toBe(
        m.commands.maintenanceSet({ ...window, timeZone: UTC }),
      );
      const ownerKey = ownerKeyOf({ platform: 'telegram', chatId: String(c.group) });
      const stored = () =>
        store()
          .db.prepare('SELECT starts_at AS start, ends_at AS end FROM chat_maintenance WHERE owner_key = ?')
          .all(ownerKey);
      expect(stored()).toEqual([{ start: window.start, end: window.end }]);
      expect(await c.say('/maintenance list')).toBe(
        m.commands.maintenanceList({ windows: [window], now: Date.now(), timeZone: UTC }),
      );
      // The same window typed in the language's own digits replaces it with itself.
      expect(await c.say(`/maintenance own ${native(locale, start.typed)} ${native(locale, '2h')}`)).toBe(
        m.commands.maintenanceSet({ ...window, timeZone: UTC }),
      );
      expect(stored()).toEqual([{ start: window.start, end: window.end }]);
      expect(await c.say('/maintenance own 25:99 1h')).toBe(
        m.commands.maintenanceBadStart({ given: '25:99' }),
      );
      expect(await c.say('/maintenance own 2020-01-01 10:00 1h')).toBe(
        m.commands.maintenancePastStart({ given: '2020-01-01 10:00' }),
      );
      expect(await c.say('/maintenance own now 1m')).toBe(m.commands.maintenanceBadDuration({ given: '1m' }));
      expect(await c.say('/maintenance own now 30d')).toBe(
        m.commands.maintenanceBadDuration({ given: '30d' }),
      );
      expect(await c.say('/maintenance nosuch now 1h')).toBe(
        m.commands.maintenanceUnknownMonitor({ given: 'nosuch', known: ['own'] }),
      );
      expect(await c.say('/maintenance cancel own')).toBe(m.commands.maintenanceCancelled({ name: 'own' }));
      expect(stored()).toEqual([]);
      expect(await c.say('/maintenance cancel own')).toBe(m.commands.maintenanceNone({ name: 'own' }));
      expect(await c.say('/maintenance list')).toBe(
        m.commands.maintenanceList({ windows: [], now: Date.now(), timeZone: UTC }),
      );
      expect(await c.say('/maintenance', member)).toBe(m.commands.adminRequired());

      // /watch: a status page given as its HTML page, JSON of no status shape, a refused address.
      expect(await c.say(`/watch ${host.base}/about`)).toBe(
        m.monitors.watchAdded({
          name: '127.0.0.1',
          url: `${host.base}/api/v2/summary.json`,
          components: [],
          intervalMs: 1_000,
        }),
      );
      const scope = { platform: 'telegram', chatId: String(c.group) };
      expect(world.app.chatMonitors.servicesOf(scope).map((s) => s.name)).toEqual(['own', '127.0.0.1']);
      expect(await c.say(`/watch ${host.base}/data.json`)).toBe(
        m.monitors.notStatusPage({ found: { kind: 'unknown-json' } }),
      );
      expect(await c.say('/watch http://169.254.169.254/latest/meta-data/')).toBe(
        m.monitors.refused({ reason: describeSsrfRefusal(locale, 'cloud-metadata') }),
      );
      expect(await c.say('/watch')).toBe(m.monitors.watchUsage());

      // /board: posted, pinned, stopped; stopping again says there is none.
      expect(await c.say('/board')).toBe(m.board.started({ replaced: false }));
      const fake = world.telegram.fake;
      const board = await fake.waitFor(() =>
        fake.messages(c.group).find((msg) => msg.text.startsWith(m.board.title())),
      );
      expect(board.text.endsWith(m.board.live())).toBe(true);
      await fake.waitFor(() => (fake.pinnedMessageId(c.group) === board.messageId ? true : undefined));
      expect(await c.say(`/board ${off}`)).toBe(m.board.ended());
      const current = (): SentMessageRecord | undefined =>
        fake.messages(c.group).find((msg) => msg.messageId === board.messageId);
      await fake.waitFor(() => (current()?.text.endsWith(m.board.stopped()) === true ? true : undefined));
      expect(await c.say('/board off')).toBe(m.board.none());

      // /note: an admin on the group's own monitor may (no incident yet); on a catalogue service,
      // or a plain member, may not; an operator may on any service.
      expect(await c.say('/note own checking the router')).toBe(
        m.commands.noteNoIncident({ serviceName: 'own' }),
      );
      expect(await c.say('/note site bad deploy')).toBe(m.commands.noteNotAllowed());
      expect(await c.say('/note own bad deploy', member)).toBe(m.commands.noteNotAllowed());
      expect(await c.say('/note github bad deploy', operator)).toBe(
        m.commands.noteNoIncident({ serviceName: 'GitHub' }),
      );
      expect(await c.say('/note zzqx bad deploy', operator)).toBe(
        m.commands.unknownService({ given: 'zzqx', suggestions: [] }),
      );
      expect(await c.say('/subscribe site')).toBe(
        m.commands.subscribed({ target: { kind: 'service', name: 'Our site' }, severity: 'minor' }),
      );
    },
  );

  it('an operator’s /note edits each group’s alert in its language', async () => {
    const chats = LOCALES.map(chatOf);
    await waitUntil(() => world.app.engine.serviceState('site')?.status === 'up', ALERT_WAIT_MS);
    site.up = false;
    const fake = world.telegram.fake;
    const alertOf = (c: Chat) => {
      const title = c.m.alert.title({ change: 'opened', serviceName: 'Our site', state: 'down' });
      return fake.messages(c.group).find((msg) => msg.text.includes(title));
    };
    const alerts = await Promise.all(chats.map((c) => fake.waitFor(() => alertOf(c), ALERT_WAIT_MS)));
    for (const [n, c] of chats.entries()) {
      const text = `rolled back (${c.locale})`;
      expect(await c.say(`/note site identified ${text}`, world.telegram.operator)).toBe(
        c.m.commands.noteAdded({ serviceName: 'Our site', open: true }),
      );
      const line = c.m.alert.note({ mark: 'identified', text });
      const id = alerts[n]?.messageId;
      await fake.waitFor(
        () => fake.messages(c.group).find((msg) => msg.messageId === id && msg.text.includes(line)),
        ALERT_WAIT_MS,
      );
    }
  });
});
