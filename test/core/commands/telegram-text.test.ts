import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/core/commands/index.js';
import { messagesFor } from '../../../src/core/i18n/index.js';
import { CHAT, makeHarness, request } from './harness.js';

const en = messagesFor('en');

/** Typed Telegram messages, through the parser and the service, as the Telegram adapter will run them. */
async function typed(h: ReturnType<typeof makeHarness>, text: string) {
  const parsed = parseCommandText(text, 'IncidentBot');
  if (parsed === null) throw new Error(`not a command: ${text}`);
  return h.service.handle(request(parsed.command, parsed.args));
}

describe('Telegram text commands end to end', () => {
  it('subscribes to a two-word service with a severity, quoted or not', async () => {
    const h = makeHarness();
    await typed(h, '/subscribe@IncidentBot google cloud major');
    await typed(h, '/subscribe "WhatsApp"');
    expect(h.store.listSubscriptions(CHAT).map((s) => [s.serviceId, s.minSeverity])).toEqual([
      ['google-cloud', 'major'],
      ['whatsapp', 'minor'],
    ]);
  });

  it('changes several settings in one message', async () => {
    const h = makeHarness();
    await typed(h, '/settings language bn timezone asia/dhaka quiet 22:00 to 07:00');
    expect(h.store.getSettings(CHAT)).toMatchObject({
      locale: 'bn',
      timeZone: 'Asia/Dhaka',
      quietHours: { startMinute: 1320, endMinute: 420 },
    });
  });

  it('reports with the problem in the member’s words', async () => {
    const h = makeHarness();
    const reply = await typed(h, '/report whatsapp মেসেজ যাচ্ছে না');
    expect(reply.text).toBe(en.commands.reportAcknowledged({ serviceName: 'WhatsApp', problem: 'sending' }));
  });

  it('answers /settings timezone without a zone with what it needs', async () => {
    const h = makeHarness();
    const reply = await typed(h, '/settings timezone');
    expect(reply.text).toBe(en.commands.missingArgument({ command: '/settings', argument: 'timezone' }));
    expect(h.store.writes).toBe(0);
  });

  it('answers /status with a misspelt service with suggestions', async () => {
    const h = makeHarness();
    const reply = await typed(h, '/status instagarm');
    expect(reply.text).toBe(en.commands.unknownService({ given: 'instagarm', suggestions: ['Instagram'] }));
  });
});
