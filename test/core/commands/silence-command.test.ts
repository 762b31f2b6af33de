import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/core/commands/command-parser.js';
import type { CommandArgs } from '../../../src/core/commands/command-request.js';
import { messagesFor } from '../../../src/core/i18n/index.js';
import { CHAT, T0, makeHarness, request } from './harness.js';

const en = messagesFor('en');
const bn = messagesFor('bn');
const HOUR = 3_600_000;

describe('/silence in Telegram words', () => {
  const TABLE: readonly [string, CommandArgs][] = [
    ['/silence', { action: 'list' }],
    ['/silence list', { action: 'list' }],
    ['/silence all 2h', { action: 'set', service: 'all', duration: '2h' }],
    ['/silence google cloud 1d', { action: 'set', service: 'google cloud', duration: '1d' }],
    ['/silence all 2x', { action: 'set', service: 'all', duration: '2x' }],
    ['/silence whatsapp', { action: 'set', service: 'whatsapp' }],
    ['/silence OFF all', { action: 'off', service: 'all' }],
    ['/silence off', { action: 'off' }],
  ];
  it.each(TABLE)('%s', (text, args) => {
    expect(parseCommandText(text)).toMatchObject({ command: 'silence', args });
  });
});

describe('/silence', () => {
  it('all <duration> mutes the chat until then, replacing a longer mute', async () => {
    const h = makeHarness();
    h.store.updateSettings(CHAT, { mutedUntil: T0 + 48 * HOUR }, T0);
    const reply = await h.service.handle(
      request('silence', { action: 'set', service: 'all', duration: '2h' }),
    );
    expect(h.store.getSettings(CHAT).mutedUntil).toBe(T0 + 2 * HOUR);
    expect(reply).toEqual({
      text: en.commands.silenced({ until: T0 + 2 * HOUR, timeZone: 'UTC' }),
      ephemeral: false,
    });
  });

  it.each(['10m', '7d', '1.5h'])('accepts %s (inside 10m..7d)', async (duration) => {
    const h = makeHarness();
    const reply = await h.service.handle(request('silence', { action: 'set', service: 'all', duration }));
    expect(reply.ephemeral).toBe(false);
    expect(h.store.getSettings(CHAT).mutedUntil).toBeGreaterThan(T0);
  });

  it.each(['9m', '8d', '2x', 'soon', '0m'])('refuses %s and stores nothing', async (duration) => {
    const h = makeHarness();
    const reply = await h.service.handle(request('silence', { action: 'set', service: 'all', duration }));
    expect(reply).toEqual({ text: en.commands.invalidSilenceDuration({ given: duration }), ephemeral: true });
    expect(h.store.writes).toBe(0);
  });

  it('asks for the duration when there is none', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(request('silence', { action: 'set', service: 'all' }));
    expect(reply).toEqual({ text: en.commands.invalidSilenceDuration({ given: null }), ephemeral: true });
    expect(h.store.writes).toBe(0);
  });

  it('answers an unknown service with suggestions, and one service with what to use instead', async () => {
    const h = makeHarness();
    const unknown = await h.service.handle(
      request('silence', { action: 'set', service: 'whatsap', duration: '2h' }),
    );
    expect(unknown.ephemeral).toBe(true);
    expect(unknown.text).toContain('WhatsApp');
    const one = await h.service.handle(request('silence', { action: 'set', service: 'wa', duration: '2h' }));
    expect(one).toEqual({
      text: en.commands.silenceOneService({ serviceName: 'WhatsApp' }),
      ephemeral: true,
    });
    expect(h.store.writes).toBe(0);
  });

  it('is for admins: a member of a group is refused and nothing is stored', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(
      request('silence', { action: 'set', service: 'all', duration: '2h' }, { admin: false }),
    );
    expect(reply).toEqual({ text: en.commands.adminRequired(), ephemeral: true });
    expect(h.store.writes).toBe(0);
  });

  it('lists the mute with its end in the chat’s language and time zone, or none', async () => {
    const h = makeHarness();
    expect((await h.service.handle(request('silence', {}))).text).toBe(
      en.commands.silences({ allUntil: null, timeZone: 'UTC' }),
    );
    h.store.updateSettings(CHAT, { locale: 'bn', timeZone: 'Asia/Dhaka', mutedUntil: T0 + 30 * HOUR }, T0);
    const reply = await h.service.handle(request('silence', { action: 'list' }));
    expect(reply).toEqual({
      text: bn.commands.silences({ allUntil: T0 + 30 * HOUR, timeZone: 'Asia/Dhaka' }),
      ephemeral: false,
    });
  });

  it('lists a mute that has run out as none', async () => {
    const h = makeHarness();
    h.store.updateSettings(CHAT, { mutedUntil: T0 - 1 }, T0 - HOUR);
    const reply = await h.service.handle(request('silence', { action: 'list' }));
    expect(reply.text).toBe(en.commands.silences({ allUntil: null, timeZone: 'UTC' }));
  });

  it('off ends the mute; off again says there is none', async () => {
    const h = makeHarness();
    h.store.updateSettings(CHAT, { mutedUntil: T0 + HOUR }, T0);
    const ended = await h.service.handle(request('silence', { action: 'off', service: 'all' }));
    expect(ended).toEqual({ text: en.commands.silenceEnded(), ephemeral: false });
    expect(h.store.getSettings(CHAT).mutedUntil).toBeNull();
    const again = await h.service.handle(request('silence', { action: 'off' }));
    expect(again).toEqual({ text: en.commands.notSilenced(), ephemeral: true });
  });
});
