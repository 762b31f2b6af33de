import { describe, expect, it } from 'vitest';
import type { CommandArgs } from '../../../src/core/commands/command-request.js';
import { MAX_REPLY_CHARS } from '../../../src/core/commands/command-service.js';
import { messagesFor } from '../../../src/core/i18n/index.js';
import { CHAT, T0, makeHarness, request } from './harness.js';

const en = messagesFor('en');
const bn = messagesFor('bn');

describe('admin-only commands outside private chats', () => {
  const ADMIN_ONLY: readonly [string, CommandArgs][] = [
    ['subscribe', { service: 'whatsapp' }],
    ['unsubscribe', { service: 'all' }],
    ['settings', { language: 'bn' }],
  ];

  it.each(ADMIN_ONLY)('%s by a member of a group is refused and stores nothing', async (command, args) => {
    const h = makeHarness();
    const adminCalls = { count: 0 };
    const reply = await h.service.handle(request(command, args, { admin: false, adminCalls }));
    expect(reply).toEqual({ text: en.commands.adminRequired(), ephemeral: true });
    expect(adminCalls.count).toBe(1);
    expect(h.store.writes).toBe(0);
    expect(h.store.chats.size).toBe(0);
  });

  it.each(ADMIN_ONLY)('%s by a member of a Discord channel is refused too', async (command, args) => {
    const h = makeHarness();
    const reply = await h.service.handle(
      request(command, args, { platform: 'discord', kind: 'channel', admin: false }),
    );
    expect(reply.text).toBe(en.commands.adminRequired());
    expect(h.store.writes).toBe(0);
  });

  it.each(ADMIN_ONLY)('%s by an admin of a group goes through', async (command, args) => {
    const h = makeHarness();
    const reply = await h.service.handle(request(command, args, { admin: true }));
    expect(reply.text).not.toBe(en.commands.adminRequired());
    expect(reply.ephemeral || command === 'unsubscribe').toBe(command === 'unsubscribe');
  });

  it.each(ADMIN_ONLY)('%s in a private chat never asks the platform', async (command, args) => {
    const h = makeHarness();
    const adminCalls = { count: 0 };
    const reply = await h.service.handle(
      request(command, args, { kind: 'private', admin: false, adminCalls }),
    );
    expect(reply.text).not.toBe(en.commands.adminRequired());
    expect(adminCalls.count).toBe(0);
  });

  it.each(['status', 'incidents', 'report', 'services', 'subscriptions', 'help', 'mute-button'])(
    '%s never asks whether the user is an admin',
    async (command) => {
      const h = makeHarness();
      const adminCalls = { count: 0 };
      await h.service.handle(request(command, { service: 'whatsapp' }, { admin: false, adminCalls }));
      expect(adminCalls.count).toBe(0);
    },
  );

  it('answers in Bengali in a Bengali chat', async () => {
    const h = makeHarness();
    h.store.updateSettings(CHAT, { locale: 'bn' }, T0);
    const reply = await h.service.handle(request('subscribe', { service: 'whatsapp' }, { admin: false }));
    expect(reply.text).toBe(bn.commands.adminRequired());
  });
});

/** Bad input: the reply, and nothing stored. */
const BAD_INPUT: readonly [string, string, CommandArgs, (m: typeof en) => string][] = [
  ['an unknown command', 'frobnicate', {}, (m) => m.commands.unknownCommand({ command: '/frobnicate' })],
  [
    'a misspelt service',
    'subscribe',
    { service: 'whatsap' },
    (m) => m.commands.unknownService({ given: 'whatsap', suggestions: ['WhatsApp'] }),
  ],
  [
    'a service close to several',
    'subscribe',
    { service: 'gogle clod' },
    (m) => m.commands.unknownService({ given: 'gogle clod', suggestions: ['Google Cloud'] }),
  ],
  [
    'a service like nothing we watch',
    'subscribe',
    { service: 'zzzzzzzz' },
    (m) => m.commands.unknownService({ given: 'zzzzzzzz', suggestions: [] }),
  ],
  [
    'subscribe without a service',
    'subscribe',
    {},
    (m) => m.commands.missingArgument({ command: '/subscribe', argument: 'service' }),
  ],
  [
    'unsubscribe without a service',
    'unsubscribe',
    {},
    (m) => m.commands.missingArgument({ command: '/unsubscribe', argument: 'service' }),
  ],
  [
    'report without a service',
    'report',
    {},
    (m) => m.commands.missingArgument({ command: '/report', argument: 'service' }),
  ],
  [
    'a severity that is neither minor nor major',
    'subscribe',
    { service: 'whatsapp', severity: 'critical' },
    (m) => m.commands.missingArgument({ command: '/subscribe', argument: 'severity' }),
  ],
  [
    'a planet time zone',
    'settings',
    { timezone: 'Mars/Olympus' },
    (m) => m.commands.invalidTimeZone({ given: 'Mars/Olympus' }),
  ],
  [
    'a numeric offset as time zone',
    'settings',
    { timezone: '+05:30' },
    (m) => m.commands.invalidTimeZone({ given: '+05:30' }),
  ],
  [
    'quiet hours past midnight',
    'settings',
    { quiet: '25:00-07:00' },
    (m) => m.commands.invalidQuietHours({ given: '25:00-07:00' }),
  ],
  [
    'quiet hours of no length',
    'settings',
    { quiet: '22:00-22:00' },
    (m) => m.commands.invalidQuietHours({ given: '22:00-22:00' }),
  ],
  [
    'quiet hours as words',
    'settings',
    { quiet: 'night' },
    (m) => m.commands.invalidQuietHours({ given: 'night' }),
  ],
  [
    'a language we do not speak',
    'settings',
    { language: 'fr' },
    (m) => m.commands.invalidLanguage({ given: 'fr', supported: ['en', 'bn', 'hi'] }),
  ],
  [
    'one good and one bad setting',
    'settings',
    { language: 'bn', timezone: 'Mars/Olympus' },
    (m) => m.commands.invalidTimeZone({ given: 'Mars/Olympus' }),
  ],
  [
    'a setting key without its value',
    'settings',
    { timezone: '' },
    (m) => m.commands.missingArgument({ command: '/settings', argument: 'timezone' }),
  ],
  [
    "a role on Telegram, which has none (roles are Discord's)",
    'settings',
    { role: '@everyone' },
    (m) => m.commands.discordOnlySetting({ setting: 'role' }),
  ],
  [
    'a button for a service we no longer watch',
    'mute-button',
    { service: 'myspace' },
    (m) => m.commands.unknownService({ given: 'myspace', suggestions: [] }),
  ],
];

describe('bad input is answered, privately, and stores nothing', () => {
  it.each(BAD_INPUT)('%s', async (_name, command, args, expected) => {
    for (const locale of ['en', 'bn'] as const) {
      const h = makeHarness();
      h.store.updateSettings(CHAT, { locale }, T0);
      h.store.writes = 0;
      const before = structuredClone(h.store.getSettings(CHAT));
      const reply = await h.service.handle(request(command, args));
      expect(reply).toEqual({ text: expected(messagesFor(locale)), ephemeral: true });
      expect(h.store.writes).toBe(0);
      expect(h.store.getSettings(CHAT)).toEqual(before);
      expect(h.store.listSubscriptions(CHAT)).toEqual([]);
      expect(h.reports.counted).toEqual([]);
    }
  });

  it('cuts a pasted essay in an error reply to one short line', async () => {
    const h = makeHarness();
    const essay = `${'whatsapp\n'.repeat(2000)}\u202eevil`;
    const reply = await h.service.handle(request('status', { service: essay }));
    expect(reply.text.length).toBeLessThan(300);
    expect(reply.text).not.toMatch(/[\n\u202e]/u);
  });
});

describe('settings', () => {
  it('stores language, time zone, quiet hours and the Discord role together', async () => {
    const h = makeHarness();
    const discord = { platform: 'discord', chatId: '800000000000000001' } as const;
    const reply = await h.service.handle(
      request(
        'settings',
        { language: 'বাংলা', timezone: 'Asia/Dhaka', quiet: '২৩:০০-০৭:০০', role: '<@&123456789012345678>' },
        { platform: 'discord' },
      ),
    );
    expect(h.store.getSettings(discord)).toEqual({
      locale: 'bn',
      timeZone: 'Asia/Dhaka',
      quietHours: { startMinute: 1380, endMinute: 420 },
      mutedUntil: null,
      mentionRoleId: '123456789012345678',
      remindMinutes: null,
    });
    expect(reply.text).toBe(
      bn.commands.settings({
        changed: true,
        languageName: 'বাংলা',
        timeZone: 'Asia/Dhaka',
        quietHours: { startMinute: 1380, endMinute: 420 },
        mentionRoleId: '123456789012345678',
        remindMinutes: null,
        threads: false,
      }),
    );
  });

  it('turns quiet hours and the role off', async () => {
    const h = makeHarness();
    const discord = { platform: 'discord', chatId: '800000000000000001' } as const;
    h.store.updateSettings(
      discord,
      { quietHours: { startMinute: 0, endMinute: 60 }, mentionRoleId: '1' },
      T0,
    );
    await h.service.handle(request('settings', { quiet: 'off', role: 'off' }, { platform: 'discord' }));
    expect(h.store.getSettings(discord)).toMatchObject({ quietHours: null, mentionRoleId: null });
  });

  it('refuses a role on Telegram, which has none', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(request('settings', { role: '123456789012345678' }));
    expect(reply.text).toBe(en.commands.discordOnlySetting({ setting: 'role' }));
    expect(h.store.writes).toBe(0);
  });
});

describe('settings threads', () => {
  const discord = { platform: 'discord', chatId: '800000000000000001' } as const;

  it('turns incident threads on and off on Discord, with the on word or any off word, and shows them', async () => {
    const h = makeHarness();
    const on = await h.service.handle(request('settings', { threads: 'on' }, { platform: 'discord' }));
    expect(h.store.getSettings(discord).threads).toBe(true);
    expect(on.text).toContain('A thread for each incident: on');
    for (const off of ['off', 'বন্ধ', 'बंद']) {
      h.store.updateSettings(discord, { threads: true }, T0);
      await h.service.handle(request('settings', { threads: off }, { platform: 'discord' }));
      expect(h.store.getSettings(discord).threads).toBe(false);
    }
  });

  it('refuses a word that is neither on nor off, storing nothing', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(request('settings', { threads: 'maybe' }, { platform: 'discord' }));
    expect(reply.text).toBe(en.commands.missingArgument({ command: '/settings', argument: 'threads' }));
    expect(h.store.writes).toBe(0);
  });

  it('answers threads and roles on Telegram with what they are there instead, storing nothing', async () => {
    const h = makeHarness();
    const threads = await h.service.handle(request('settings', { threads: 'on' }, { platform: 'telegram' }));
    expect(threads.text).toBe(en.commands.discordOnlySetting({ setting: 'threads' }));
    expect(threads.text).toMatch(/forum topic/);
    expect(h.store.writes).toBe(0);
  });
});

describe('settings remind', () => {
  const PACES = [30, 60, 120, 240];
  /** Per language: a pace typed with its digits, what it means, and typos that must be refused. */
  const CASES = [
    { locale: 'en', given: '2h', minutes: 120, bad: ['45m', '1d', 'often', '0h'] },
    { locale: 'bn', given: '৩০m', minutes: 30, bad: ['৪৫m', 'প্রায়ই', '৮h'] },
    { locale: 'hi', given: '४ hours', minutes: 240, bad: ['४५m', 'अक्सर', '३h'] },
  ] as const;

  it.each(CASES)('stores a pace typed in $locale and answers in that language', async (c) => {
    const h = makeHarness();
    h.store.updateSettings(CHAT, { locale: c.locale }, T0);
    const reply = await h.service.handle(request('settings', { remind: c.given }));
    expect(h.store.getSettings(CHAT).remindMinutes).toBe(c.minutes);
    const m = messagesFor(c.locale);
    expect(reply.text).toBe(
      m.commands.settings({
        changed: true,
        languageName: m.languageName,
        timeZone: 'UTC',
        quietHours: null,
        remindMinutes: c.minutes,
      }),
    );
  });

  it.each(CASES)(
    'refuses a pace it does not offer in $locale, naming the ones it does, and stores nothing',
    async (c) => {
      const h = makeHarness();
      h.store.updateSettings(CHAT, { locale: c.locale, remindMinutes: 60 }, T0);
      const m = messagesFor(c.locale);
      for (const given of c.bad) {
        const reply = await h.service.handle(request('settings', { remind: given }));
        expect(reply.text).toBe(m.commands.invalidRemindPace({ given, paces: PACES }));
        for (const pace of ['30m', '1h', '2h', '4h']) expect(reply.text).toContain(pace);
      }
      expect(h.store.writes).toBe(1);
      expect(h.store.getSettings(CHAT).remindMinutes).toBe(60);
    },
  );

  it('turns reminders off with the off word of any language, and asks for a pace when none is given', async () => {
    const h = makeHarness();
    for (const off of ['off', 'বন্ধ', 'बंद']) {
      h.store.updateSettings(CHAT, { remindMinutes: 30 }, T0);
      await h.service.handle(request('settings', { remind: off }));
      expect(h.store.getSettings(CHAT).remindMinutes).toBeNull();
    }
    const reply = await h.service.handle(request('settings', { remind: ' ' }));
    expect(reply.text).toBe(en.commands.missingArgument({ command: '/settings', argument: 'remind' }));
  });
});

describe('rate limits', () => {
  const rates = { userRate: { burst: 5, perMs: 10_000 }, chatRate: { burst: 20, perMs: 60_000 } };

  it('lets a user run 5 commands in 10 seconds, then asks them to wait until a token is back', async () => {
    const h = makeHarness(rates);
    for (let i = 0; i < 5; i++) expect((await h.service.handle(request('services'))).ephemeral).toBe(false);
    const refused = await h.service.handle(request('services'));
    expect(refused).toEqual({ text: en.commands.rateLimited({ retryAfterMs: 2000 }), ephemeral: true });
    h.clock.advance(1999);
    // 1 ms left is said as "1 second", never "0 seconds".
    const almost = (await h.service.handle(request('services'))).text;
    expect(almost).toBe(en.commands.rateLimited({ retryAfterMs: 1000 }));
    expect(almost).toBe('Slow down: try again in 1 second.');
    h.clock.advance(1);
    expect((await h.service.handle(request('services'))).ephemeral).toBe(false);
  });

  it('counts users separately, but all of them against the chat', async () => {
    const h = makeHarness(rates);
    for (let user = 0; user < 20; user++) {
      const reply = await h.service.handle(request('help', {}, { userId: `u${user}` }));
      expect(reply.ephemeral).toBe(false);
    }
    const refused = await h.service.handle(request('help', {}, { userId: 'u20' }));
    expect(refused.text).toBe(en.commands.rateLimited({ retryAfterMs: 3000 }));
    const elsewhere = await h.service.handle(request('help', {}, { userId: 'u20', chatId: '-100888' }));
    expect(elsewhere.ephemeral).toBe(false);
  });

  it('marks a refusal repeated within the wait droppable, and tells the user again after it', async () => {
    const h = makeHarness({ userRate: { burst: 1, perMs: 10_000 } });
    await h.service.handle(request('help'));
    expect((await h.service.handle(request('help'))).droppable).toBeUndefined();
    h.clock.advance(5_000);
    expect((await h.service.handle(request('help'))).droppable).toBe(true);
    expect((await h.service.handle(request('help', {}, { chatId: '-100888' }))).droppable).toBeUndefined();
    h.clock.advance(5_000);
    expect((await h.service.handle(request('help'))).ephemeral).toBe(false);
    expect((await h.service.handle(request('help'))).droppable).toBeUndefined();
  });

  it('does not let a refused command store anything', async () => {
    const h = makeHarness({ userRate: { burst: 1, perMs: 10_000 } });
    await h.service.handle(request('help'));
    const reply = await h.service.handle(request('subscribe', { service: 'whatsapp' }));
    expect(reply.text).toBe(en.commands.rateLimited({ retryAfterMs: 10_000 }));
    expect(h.store.writes).toBe(0);
  });
});

describe('failures of the ports', () => {
  it('answers internalError and hands the error to the adapter', async () => {
    const h = makeHarness();
    const boom = new Error('SQLITE_BUSY');
    h.store.failWith = boom;
    const reply = await h.service.handle(request('subscriptions', {}, { localeHint: 'bn' }));
    expect(reply).toEqual({ text: bn.commands.internalError(), ephemeral: true, error: boom });
  });

  it('answers internalError when the admin check fails', async () => {
    const h = makeHarness();
    const failing = request('subscribe', { service: 'github' });
    const boom = new Error('403');
    const reply = await h.service.handle({
      ...failing,
      user: { id: '1', isAdmin: () => Promise.reject(boom) },
    });
    expect(reply).toEqual({ text: en.commands.internalError(), ephemeral: true, error: boom });
    expect(h.store.writes).toBe(0);
  });
});

describe('long lists', () => {
  const many = Array.from({ length: 600 }, (_, i) => ({ id: `service-${i}`, name: `Service number ${i}` }));

  it.each(['services', 'status'])(
    '%s is cut to the reply limit with a line saying how many more',
    async (command) => {
      const h = makeHarness({}, many);
      const reply = await h.service.handle(request(command));
      expect(reply.text.length).toBeLessThanOrEqual(MAX_REPLY_CHARS);
      const shown = reply.text.split('\n').filter((l) => l.startsWith('• ')).length;
      expect(shown).toBeGreaterThan(20);
      expect(reply.text.endsWith(en.alert.moreLines({ count: 600 - shown }))).toBe(true);
    },
  );

  it('respects a smaller limit (Discord message content)', async () => {
    const h = makeHarness({ maxReplyChars: 2000 }, many);
    h.store.updateSettings(CHAT, { locale: 'bn' }, T0);
    const reply = await h.service.handle(request('services'));
    expect(reply.text.length).toBeLessThanOrEqual(2000);
    expect(reply.text).toContain(bn.alert.moreLines({ count: 1 }).slice(0, 3));
  });

  it('cuts a long subscription list too', async () => {
    const h = makeHarness({}, many);
    for (const s of many) h.store.subscribe(CHAT, s.id, 'major', T0);
    const reply = await h.service.handle(request('subscriptions'));
    expect(reply.text.length).toBeLessThanOrEqual(MAX_REPLY_CHARS);
    expect(reply.text).toMatch(/more$/);
  });
});

describe('service names', () => {
  it.each([
    ['WHATSAPP', 'WhatsApp'],
    ['wa', 'WhatsApp'],
    ['google cloud', 'Google Cloud'],
    ['Google-Cloud', 'Google Cloud'],
    ['googlecloud', 'Google Cloud'],
    ['  github\u200b ', 'GitHub'],
    ['প্রথম আলো', 'প্রথম আলো'],
    ['prothom-alo', 'প্রথম আলো'],
  ])('%s is %s', async (given, name) => {
    const h = makeHarness();
    const reply = await h.service.handle(request('subscribe', { service: given }));
    expect(reply.text).toBe(en.commands.subscribed({ target: { kind: 'service', name }, severity: 'minor' }));
  });
});
