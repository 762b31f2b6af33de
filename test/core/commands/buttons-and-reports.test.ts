import { describe, expect, it } from 'vitest';
import { buttonPayload } from '../../../src/core/alert-message.js';
import { parseButtonCommand } from '../../../src/core/commands/index.js';
import { messagesFor } from '../../../src/core/i18n/index.js';
import { CHAT, T0, makeHarness, request } from './harness.js';

const en = messagesFor('en');

describe('parseButtonCommand', () => {
  const ids = ['whatsapp', 'github', 'a-very-long-service-id-that-does-not-fit-in-a-telegram-callback'];

  it.each([
    [buttonPayload('report', 'whatsapp', 64), { command: 'report-button', args: { service: 'whatsapp' } }],
    [buttonPayload('mute', 'github', 64), { command: 'mute-button', args: { service: 'github' } }],
    [buttonPayload('mute', ids[2] ?? '', 20), { command: 'mute-button', args: { service: ids[2] } }],
    ['r:myspace', null],
    ['something else', null],
    ['', null],
  ])('%j → %j', (payload, expected) => {
    expect(parseButtonCommand(payload, ids)).toEqual(expected);
  });

  it('feeds the service a request it answers', async () => {
    const h = makeHarness();
    const parsed = parseButtonCommand(buttonPayload('report', 'whatsapp', 64), h.service.serviceIds());
    expect(parsed).not.toBeNull();
    const reply = await h.service.handle(request(parsed?.command ?? '', parsed?.args ?? {}));
    expect(reply).toEqual({
      text: en.commands.reportAcknowledged({ serviceName: 'WhatsApp', problem: 'other' }),
      ephemeral: true,
    });
    // Its answer is a private toast on Telegram: it never carries a community notice.
    expect(h.reports.counted.map((r) => r.answeredInChat)).toEqual([false]);
  });
});

describe('reports', () => {
  it('finds an unquoted two-word service name in the words that follow it', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(
      request('report', { service: 'google', problem: 'cloud login fails' }),
    );
    expect(reply.text).toBe(
      en.commands.reportAcknowledged({ serviceName: 'Google Cloud', problem: 'login' }),
    );
    expect(h.reports.counted.map((r) => r.serviceId)).toEqual(['google-cloud']);
  });

  it('takes a problem kind chosen on Discord as it is', async () => {
    const h = makeHarness();
    await h.service.handle(
      request('report', { service: 'whatsapp', problem: 'website' }, { platform: 'discord' }),
    );
    expect(h.reports.counted).toMatchObject([
      {
        platform: 'discord',
        chatId: '800000000000000001',
        guildId: '700000000000000001',
        problem: 'website',
      },
    ]);
  });

  it('counts the same user again after the dedupe window, and other users at once', async () => {
    const h = makeHarness();
    await h.service.handle(request('report', { service: 'whatsapp' }));
    await h.service.handle(request('report', { service: 'whatsapp' }, { userId: 'other' }));
    h.clock.advance(30 * 60_000);
    await h.service.handle(request('report', { service: 'whatsapp' }));
    expect(h.reports.counted.map((r) => [r.userId, r.at])).toEqual([
      ['424242', T0],
      ['other', T0],
      ['424242', T0 + 30 * 60_000],
    ]);
  });

  it("tells the whole chat, in its language, when the report makes the community's own count a spike", async () => {
    const h = makeHarness();
    h.reports.nextNotice = { reporters: 5 };
    const reply = await h.service.handle(request('report', { service: 'whatsapp', problem: 'app' }));
    expect(reply).toEqual({
      text: `${en.commands.reportAcknowledged({ serviceName: 'WhatsApp', problem: 'app' })}\n\n${en.commands.communityNotice({ serviceName: 'WhatsApp', reporters: 5 })}`,
      ephemeral: false,
    });
    expect(reply.text).toContain('5 members here report problems with WhatsApp');
    expect(h.reports.counted.map((r) => r.answeredInChat)).toEqual([true]);
    // The next report is a receipt for the caller only again.
    const next = await h.service.handle(request('report', { service: 'whatsapp' }, { userId: 'other' }));
    expect(next.ephemeral).toBe(true);

    h.store.updateSettings(CHAT, { locale: 'bn' }, T0);
    h.reports.nextNotice = { reporters: 7 };
    const bn = messagesFor('bn');
    const bnReply = await h.service.handle(request('report', { service: 'whatsapp' }, { userId: 'third' }));
    expect(bnReply.text).toBe(
      `${bn.commands.reportAcknowledged({ serviceName: 'WhatsApp', problem: 'other' })}\n\n${bn.commands.communityNotice({ serviceName: 'WhatsApp', reporters: 7 })}`,
    );
    expect(bnReply.text).toContain('৭');
  });

  it('does not take reports about all services', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(request('report', { service: 'all' }));
    expect(reply.text).toBe(en.commands.unknownService({ given: 'all', suggestions: [] }));
    expect(h.reports.counted).toEqual([]);
  });
});

describe('mute', () => {
  it('keeps a longer mute that is already in place', async () => {
    const h = makeHarness();
    h.store.updateSettings(CHAT, { mutedUntil: T0 + 5 * 3_600_000 }, T0);
    const reply = await h.service.handle(request('mute-button', { service: 'whatsapp' }));
    expect(h.store.getSettings(CHAT).mutedUntil).toBe(T0 + 5 * 3_600_000);
    expect(reply.text).toBe(
      en.commands.muted({ serviceName: 'WhatsApp', until: T0 + 5 * 3_600_000, timeZone: 'UTC' }),
    );
  });
});

describe('autocomplete through the service', () => {
  it('offers matching services as {id, name}', () => {
    const h = makeHarness();
    expect(h.service.autocomplete('insta')).toEqual([{ id: 'instagram', name: 'Instagram' }]);
    expect(h.service.autocomplete('')).toHaveLength(6);
  });
});

describe('status and incidents odds and ends', () => {
  it('/status all is the overview', async () => {
    const h = makeHarness();
    const all = await h.service.handle(request('status', { service: 'ALL' }));
    const plain = await h.service.handle(request('status'));
    expect(all.text).toBe(plain.text);
    expect(all.chartServiceId).toBeUndefined();
  });

  it('names an incident of a service no longer watched by its id, and asks for the configured number', async () => {
    const h = makeHarness({ incidentLimit: 3 });
    h.incidents.rows = [{ serviceId: 'myspace', severity: 'major', startedAt: T0 - 60_000, resolvedAt: T0 }];
    const reply = await h.service.handle(request('incidents', { service: 'all' }));
    expect(reply.text).toBe(
      en.commands.incidents({
        incidents: [
          { serviceName: 'myspace', severity: 'major', startedAt: T0 - 60_000, durationMs: 60_000 },
        ],
        timeZone: 'UTC',
      }),
    );
    expect(h.incidents.lastQuery).toEqual({ limit: 3 });
  });

  it('echoes an unknown command in one short line', async () => {
    const h = makeHarness();
    const reply = await h.service.handle(request(`x\n${'y'.repeat(500)}`));
    expect(reply.text).not.toContain('\n');
    expect(reply.text.length).toBeLessThan(200);
  });
});
