import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/core/commands/command-parser.js';
import type { CommandArgs } from '../../../src/core/commands/command-request.js';
import type { ChatAddress, ServiceSilence, SilenceStore } from '../../../src/core/delivery/ports.js';
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
    ['/silence off google cloud', { action: 'off', service: 'google cloud' }],
    // Each language's off word, as /settings reads it.
    ['/silence বন্ধ whatsapp', { action: 'off', service: 'whatsapp' }],
    ['/silence बंद', { action: 'off' }],
    ['/silence whatsapp 30m', { action: 'set', service: 'whatsapp', duration: '30m' }],
    // A duration in Bengali or Hindi digits is one too, not part of the service's name.
    ['/silence whatsapp ২h', { action: 'set', service: 'whatsapp', duration: '২h' }],
    ['/silence all ३०m', { action: 'set', service: 'all', duration: '३०m' }],
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

  it.each(['10m', '7d', '1.5h', '২h', '१०m'])('accepts %s (inside 10m..7d)', async (duration) => {
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
      en.commands.silences({ allUntil: null, services: [], timeZone: 'UTC' }),
    );
    h.store.updateSettings(CHAT, { locale: 'bn', timeZone: 'Asia/Dhaka', mutedUntil: T0 + 30 * HOUR }, T0);
    const reply = await h.service.handle(request('silence', { action: 'list' }));
    expect(reply).toEqual({
      text: bn.commands.silences({ allUntil: T0 + 30 * HOUR, services: [], timeZone: 'Asia/Dhaka' }),
      ephemeral: false,
    });
  });

  it('lists a mute that has run out as none', async () => {
    const h = makeHarness();
    h.store.updateSettings(CHAT, { mutedUntil: T0 - 1 }, T0 - HOUR);
    const reply = await h.service.handle(request('silence', { action: 'list' }));
    expect(reply.text).toBe(en.commands.silences({ allUntil: null, services: [], timeZone: 'UTC' }));
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

/** The silences as the store keeps them, by chat and service; counts its writes. */
class FakeSilenceStore implements SilenceStore {
  readonly ends = new Map<string, number>();
  writes = 0;

  setSilence(chat: ChatAddress, serviceId: string, endsAt: number): void {
    this.writes++;
    this.ends.set(`${chat.chatId}|${serviceId}`, endsAt);
  }

  endSilence(chat: ChatAddress, serviceId: string, now: number): boolean {
    this.writes++;
    const key = `${chat.chatId}|${serviceId}`;
    const end = this.ends.get(key);
    this.ends.delete(key);
    return end !== undefined && end > now;
  }

  listSilences(chat: ChatAddress, now: number): ServiceSilence[] {
    return [...this.ends]
      .filter(([key, end]) => key.startsWith(`${chat.chatId}|`) && end > now)
      .map(([key, endsAt]) => ({ serviceId: key.slice(chat.chatId.length + 1), endsAt }))
      .sort((a, b) => a.endsAt - b.endsAt);
  }
}

describe('/silence <service>', () => {
  const withStore = () => {
    const silences = new FakeSilenceStore();
    return { h: makeHarness({}, undefined, { silences }), silences };
  };

  it('silences one service until then, by any of its names, and leaves the chat unmuted', async () => {
    const { h, silences } = withStore();
    const reply = await h.service.handle(
      request('silence', { action: 'set', service: 'wa', duration: '2h' }),
    );
    expect(reply).toEqual({
      text: en.commands.serviceSilenced({ serviceName: 'WhatsApp', until: T0 + 2 * HOUR, timeZone: 'UTC' }),
      ephemeral: false,
    });
    expect(silences.ends.get(`${CHAT.chatId}|whatsapp`)).toBe(T0 + 2 * HOUR);
    expect(h.store.getSettings(CHAT).mutedUntil).toBeNull();
  });

  it('replaces a silence in place, so a shorter one shortens it', async () => {
    const { h, silences } = withStore();
    await h.service.handle(request('silence', { action: 'set', service: 'whatsapp', duration: '7d' }));
    await h.service.handle(request('silence', { action: 'set', service: 'whatsapp', duration: '10m' }));
    expect(silences.ends.get(`${CHAT.chatId}|whatsapp`)).toBe(T0 + 10 * 60_000);
  });

  it.each(['9m', '8d', 'later'])('refuses %s for a service and stores nothing', async (duration) => {
    const { h, silences } = withStore();
    const reply = await h.service.handle(
      request('silence', { action: 'set', service: 'whatsapp', duration }),
    );
    expect(reply).toEqual({ text: en.commands.invalidSilenceDuration({ given: duration }), ephemeral: true });
    expect(silences.writes).toBe(0);
  });

  it('asks for the duration, and answers an unknown service, storing nothing', async () => {
    const { h, silences } = withStore();
    const none = await h.service.handle(request('silence', { action: 'set', service: 'whatsapp' }));
    expect(none).toEqual({ text: en.commands.invalidSilenceDuration({ given: null }), ephemeral: true });
    const unknown = await h.service.handle(
      request('silence', { action: 'set', service: 'whatsap', duration: '2h' }),
    );
    expect(unknown.ephemeral).toBe(true);
    expect(unknown.text).toBe(en.commands.unknownService({ given: 'whatsap', suggestions: ['WhatsApp'] }));
    expect(silences.writes).toBe(0);
  });

  it('is for admins: a member is refused and nothing is stored', async () => {
    const { h, silences } = withStore();
    const reply = await h.service.handle(
      request('silence', { action: 'set', service: 'whatsapp', duration: '2h' }, { admin: false }),
    );
    expect(reply).toEqual({ text: en.commands.adminRequired(), ephemeral: true });
    expect(silences.writes).toBe(0);
  });

  it('lists the mute and each silenced service with its end, in the chat’s language and zone', async () => {
    const { h } = withStore();
    await h.service.handle(request('silence', { action: 'set', service: 'github', duration: '1d' }));
    await h.service.handle(request('silence', { action: 'set', service: 'whatsapp', duration: '2h' }));
    h.store.updateSettings(CHAT, { locale: 'bn', timeZone: 'Asia/Dhaka', mutedUntil: T0 + 30 * HOUR }, T0);
    const reply = await h.service.handle(request('silence', { action: 'list' }));
    expect(reply).toEqual({
      text: bn.commands.silences({
        allUntil: T0 + 30 * HOUR,
        services: [
          { serviceName: 'WhatsApp', until: T0 + 2 * HOUR },
          { serviceName: 'GitHub', until: T0 + 24 * HOUR },
        ],
        timeZone: 'Asia/Dhaka',
      }),
      ephemeral: false,
    });
    expect(reply.text).toContain('WhatsApp');
    expect(reply.text).toContain('GitHub');
  });

  it('lists a service silence that has run out as none', async () => {
    const { h } = withStore();
    await h.service.handle(request('silence', { action: 'set', service: 'whatsapp', duration: '10m' }));
    h.clock.advance(10 * 60_000);
    const reply = await h.service.handle(request('silence', {}));
    expect(reply.text).toBe(en.commands.silences({ allUntil: null, services: [], timeZone: 'UTC' }));
  });

  it('off <service> ends that silence only; off again says it is not silenced', async () => {
    const { h, silences } = withStore();
    await h.service.handle(request('silence', { action: 'set', service: 'whatsapp', duration: '2h' }));
    await h.service.handle(request('silence', { action: 'set', service: 'github', duration: '2h' }));
    h.store.updateSettings(CHAT, { mutedUntil: T0 + HOUR }, T0);
    const ended = await h.service.handle(request('silence', { action: 'off', service: 'whatsapp' }));
    expect(ended).toEqual({
      text: en.commands.serviceSilenceEnded({ serviceName: 'WhatsApp' }),
      ephemeral: false,
    });
    expect([...silences.ends.keys()]).toEqual([`${CHAT.chatId}|github`]);
    expect(h.store.getSettings(CHAT).mutedUntil).toBe(T0 + HOUR);
    const again = await h.service.handle(request('silence', { action: 'off', service: 'whatsapp' }));
    expect(again).toEqual({
      text: en.commands.serviceNotSilenced({ serviceName: 'WhatsApp' }),
      ephemeral: true,
    });
  });

  it('off alone still ends the mute and leaves the service silences', async () => {
    const { h, silences } = withStore();
    await h.service.handle(request('silence', { action: 'set', service: 'whatsapp', duration: '2h' }));
    h.store.updateSettings(CHAT, { mutedUntil: T0 + HOUR }, T0);
    const ended = await h.service.handle(request('silence', { action: 'off' }));
    expect(ended).toEqual({ text: en.commands.silenceEnded(), ephemeral: false });
    expect(silences.ends.get(`${CHAT.chatId}|whatsapp`)).toBe(T0 + 2 * HOUR);
  });
});
