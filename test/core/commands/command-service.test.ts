import { describe, expect, it } from 'vitest';
import { MUTE_MS } from '../../../src/core/alert-message.js';
import { REPORT_DEDUP_MS } from '../../../src/core/crowd/report-admission.js';
import { LOCALES, messagesFor } from '../../../src/core/i18n/index.js';
import { CHAT, T0, makeHarness, request } from './harness.js';

const en = messagesFor('en');
const bn = messagesFor('bn');

describe.each(LOCALES)('every command answers in the chat language (%s)', (locale) => {
  const m = messagesFor(locale);

  async function harness() {
    const h = makeHarness();
    h.store.updateSettings(CHAT, { locale, timeZone: 'Asia/Dhaka' }, T0);
    h.store.writes = 0;
    return h;
  }

  it('help lists the commands, with /start on Telegram only', async () => {
    const h = await harness();
    expect((await h.service.handle(request('help'))).text).toBe(m.commands.help({ withStart: true }));
    expect((await h.service.handle(request('start'))).text).toBe(m.commands.help({ withStart: true }));
    const discord = await h.service.handle(request('help', {}, { platform: 'discord' }));
    expect(discord.text).toBe(messagesFor('en').commands.help({ withStart: false }));
  });

  it('subscribe stores the service with minor by default, major when asked, and all as *', async () => {
    const h = await harness();
    const reply = await h.service.handle(request('subscribe', { service: 'WhatsApp' }));
    expect(reply).toEqual({
      text: m.commands.subscribed({ target: { kind: 'service', name: 'WhatsApp' }, severity: 'minor' }),
      ephemeral: false,
    });
    await h.service.handle(request('subscribe', { service: 'github', severity: 'MAJOR' }));
    await h.service.handle(request('subscribe', { service: 'all' }));
    expect(h.store.listSubscriptions(CHAT).map((s) => [s.serviceId, s.minSeverity])).toEqual([
      ['whatsapp', 'minor'],
      ['github', 'major'],
      ['*', 'minor'],
    ]);
  });

  it('unsubscribe removes one service, all removes everything, and says when nothing was there', async () => {
    const h = await harness();
    await h.service.handle(request('subscribe', { service: 'whatsapp' }));
    await h.service.handle(request('subscribe', { service: 'github' }));
    expect((await h.service.handle(request('unsubscribe', { service: 'wa' }))).text).toBe(
      m.commands.unsubscribed({ target: { kind: 'service', name: 'WhatsApp' } }),
    );
    expect((await h.service.handle(request('unsubscribe', { service: 'whatsapp' }))).text).toBe(
      m.commands.notSubscribed({ target: { kind: 'service', name: 'WhatsApp' } }),
    );
    expect((await h.service.handle(request('unsubscribe', { service: 'all' }))).text).toBe(
      m.commands.unsubscribed({ target: { kind: 'all' } }),
    );
    expect(h.store.listSubscriptions(CHAT)).toEqual([]);
    expect((await h.service.handle(request('unsubscribe', { service: 'all' }))).text).toBe(
      m.commands.notSubscribed({ target: { kind: 'all' } }),
    );
  });

  it('subscriptions lists what the chat gets, the all-services one first', async () => {
    const h = await harness();
    expect((await h.service.handle(request('subscriptions'))).text).toBe(
      m.commands.subscriptions({ items: [] }),
    );
    await h.service.handle(request('subscribe', { service: 'github', severity: 'major' }));
    await h.service.handle(request('subscribe', { service: 'all' }));
    expect((await h.service.handle(request('subscriptions'))).text).toBe(
      m.commands.subscriptions({
        items: [
          { target: { kind: 'all' }, severity: 'minor' },
          { target: { kind: 'service', name: 'GitHub' }, severity: 'major' },
        ],
      }),
    );
  });

  it('status gives the overview worst first, or one service with its evidence and chart', async () => {
    const h = await harness();
    h.states.set('whatsapp', {
      status: 'down',
      since: T0 - 600_000,
      evidence: [
        {
          kind: 'probe',
          monitorId: 'wa-http',
          target: 'web.whatsapp.com',
          state: 'down',
          reason: 'http-status',
          message: 'HTTP 503',
          facts: { statusCode: 503 },
        },
        { kind: 'crowd', level: 'detected', reporters: 62 },
      ],
    });
    h.states.set('github', { status: 'up', since: T0 - 86_400_000, evidence: [] });
    const overview = await h.service.handle(request('status'));
    const names = ['WhatsApp', 'Instagram', 'Messenger', 'Google Cloud', 'প্রথম আলো'];
    expect(overview.text).toBe(
      m.commands.statusOverview({
        services: [
          { name: 'WhatsApp', state: 'down', since: T0 - 600_000 },
          ...names.slice(1).map((name) => ({ name, state: 'unknown' as const, since: T0 })),
          { name: 'GitHub', state: 'up', since: T0 - 86_400_000 },
        ],
        timeZone: 'Asia/Dhaka',
      }),
    );
    const detail = await h.service.handle(request('status', { service: 'whatsapp' }));
    expect(detail.chartServiceId).toBe('whatsapp');
    expect(detail.text).toBe(
      m.commands.statusDetail({
        service: { name: 'WhatsApp', state: 'down', since: T0 - 600_000 },
        evidence: [
          m.evidence.probe({ reason: 'http-status', httpStatus: 503, target: 'web.whatsapp.com' }),
          m.evidence.crowdReports({ level: 'detected', reporters: 62 }),
        ],
        timeZone: 'Asia/Dhaka',
      }),
    );
  });

  it('incidents lists ongoing and resolved incidents, for one service when named', async () => {
    const h = await harness();
    h.incidents.rows = [
      { serviceId: 'whatsapp', severity: 'major', startedAt: T0, resolvedAt: null },
      { serviceId: 'github', severity: 'minor', startedAt: T0 - 7_200_000, resolvedAt: T0 - 3_600_000 },
    ];
    expect((await h.service.handle(request('incidents'))).text).toBe(
      m.commands.incidents({
        incidents: [
          { serviceName: 'WhatsApp', severity: 'major', startedAt: T0 },
          { serviceName: 'GitHub', severity: 'minor', startedAt: T0 - 7_200_000, durationMs: 3_600_000 },
        ],
        timeZone: 'Asia/Dhaka',
      }),
    );
    await h.service.handle(request('incidents', { service: 'GitHub' }));
    expect(h.incidents.lastQuery).toEqual({ serviceIds: ['github'], limit: 10 });
  });

  it('report is counted once per user and service, privately, with the problem understood', async () => {
    const h = await harness();
    const first = await h.service.handle(
      request('report', { service: 'whatsapp', problem: 'messages not sending' }),
    );
    expect(first).toEqual({
      text: m.commands.reportAcknowledged({ serviceName: 'WhatsApp', problem: 'sending' }),
      ephemeral: true,
    });
    h.clock.advance(60_000);
    const again = await h.service.handle(request('report', { service: 'whatsapp' }));
    expect(again.text).toBe(
      m.commands.alreadyReported({ serviceName: 'WhatsApp', windowMs: REPORT_DEDUP_MS }),
    );
    expect(h.reports.counted).toEqual([
      {
        serviceId: 'whatsapp',
        platform: 'telegram',
        userId: '424242',
        chatId: '-100777',
        guildId: null,
        privateChat: false,
        problem: 'sending',
        at: T0,
        answeredInChat: true,
      },
    ]);
  });

  it('the report button reports the service with problem other', async () => {
    const h = await harness();
    const reply = await h.service.handle(request('report-button', { service: 'instagram' }));
    expect(reply.text).toBe(m.commands.reportAcknowledged({ serviceName: 'Instagram', problem: 'other' }));
    expect(h.reports.counted.map((r) => [r.serviceId, r.problem])).toEqual([['instagram', 'other']]);
  });

  it('the mute button mutes the chat for MUTE_MS', async () => {
    const h = await harness();
    const reply = await h.service.handle(request('mute-button', { service: 'whatsapp' }, { admin: false }));
    expect(reply.text).toBe(
      m.commands.muted({ serviceName: 'WhatsApp', until: T0 + MUTE_MS, timeZone: 'Asia/Dhaka' }),
    );
    expect(h.store.getSettings(CHAT).mutedUntil).toBe(T0 + MUTE_MS);
  });

  it('services lists every watched service', async () => {
    const h = await harness();
    const reply = await h.service.handle(request('services'));
    expect(reply.text).toContain(
      m.commands.services({ services: [{ id: 'whatsapp', name: 'WhatsApp' }] }).split('\n')[0],
    );
    expect(reply.text).toContain('• প্রথম আলো (prothom-alo)');
  });

  it('settings without arguments shows them; with arguments stores them', async () => {
    const h = await harness();
    expect((await h.service.handle(request('settings'))).text).toBe(
      m.commands.settings({
        changed: false,
        languageName: m.languageName,
        timeZone: 'Asia/Dhaka',
        quietHours: null,
        remindMinutes: null,
      }),
    );
    const reply = await h.service.handle(
      request('settings', { timezone: 'asia/kolkata', quiet: '22:00-07:00' }),
    );
    expect(reply.text).toBe(
      m.commands.settings({
        changed: true,
        languageName: m.languageName,
        timeZone: 'Asia/Kolkata',
        quietHours: { startMinute: 1320, endMinute: 420 },
        remindMinutes: null,
      }),
    );
  });
});

describe('language', () => {
  it('switching the language answers in the new one', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(request('settings', { language: 'bn' }));
    expect(reply.text).toBe(
      bn.commands.settings({
        changed: true,
        languageName: 'বাংলা',
        timeZone: 'UTC',
        quietHours: null,
        remindMinutes: null,
      }),
    );
    expect(h.store.getSettings(CHAT).locale).toBe('bn');
  });

  it('uses the interaction locale only for a chat it does not know yet', async () => {
    const h = makeHarness();
    expect((await h.service.handle(request('help', {}, { localeHint: 'bn-BD' }))).text).toBe(
      bn.commands.help({ withStart: true }),
    );
    h.store.updateSettings(CHAT, { locale: 'en' }, T0);
    expect((await h.service.handle(request('help', {}, { localeHint: 'bn' }))).text).toBe(
      en.commands.help({ withStart: true }),
    );
  });
});

describe('the language of a new private chat', () => {
  it('is stored from the app language when the chat subscribes, so alerts speak it too', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(
      request('subscribe', { service: 'whatsapp' }, { kind: 'private', localeHint: 'bn-BD' }),
    );
    expect(reply.text).toBe(
      bn.commands.subscribed({ target: { kind: 'service', name: 'WhatsApp' }, severity: 'minor' }),
    );
    expect(h.store.getSettings(CHAT).locale).toBe('bn');
    const later = await h.service.handle(request('help', {}, { kind: 'private', localeHint: 'en' }));
    expect(later.text).toBe(bn.commands.help({ withStart: true }));
  });

  it('is stored with the first settings change, unless the change is the language itself', async () => {
    const h = makeHarness();
    await h.service.handle(
      request('settings', { timezone: 'Asia/Dhaka' }, { kind: 'private', localeHint: 'bn' }),
    );
    expect(h.store.getSettings(CHAT)).toMatchObject({ locale: 'bn', timeZone: 'Asia/Dhaka' });
    const other = makeHarness();
    await other.service.handle(
      request('settings', { language: 'en' }, { kind: 'private', localeHint: 'bn' }),
    );
    expect(other.store.getSettings(CHAT).locale).toBe('en');
  });

  it('is not taken from one member in a group, and viewing settings stores nothing', async () => {
    const h = makeHarness();
    await h.service.handle(
      request('subscribe', { service: 'whatsapp' }, { kind: 'group', localeHint: 'bn' }),
    );
    expect(h.store.getSettings(CHAT).locale).toBe('en');
    const viewer = makeHarness();
    await viewer.service.handle(request('settings', {}, { kind: 'private', localeHint: 'bn' }));
    expect(viewer.store.writes).toBe(0);
  });
});
