import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_ARG_NAMES } from '../../../src/core/commands/registry.js';
import { parseCommandText, tokenize, type ParsedCommand } from '../../../src/core/commands/command-parser.js';

const BOT = 'IncidentBot';

/** The table in command-parser.ts's doc comment, and more. */
const TABLE: readonly [string, Omit<ParsedCommand, 'addressed'> | null][] = [
  ['/status', { command: 'status', args: {} }],
  ['/status@IncidentBot  GitHub', { command: 'status', args: { service: 'GitHub' } }],
  ['/status@incidentbot github', { command: 'status', args: { service: 'github' } }],
  ['/STATUS github', { command: 'status', args: { service: 'github' } }],
  ['/status google cloud', { command: 'status', args: { service: 'google cloud' } }],
  ['/status   google \t  cloud  ', { command: 'status', args: { service: 'google cloud' } }],
  ['/subscribe whatsapp major', { command: 'subscribe', args: { service: 'whatsapp', severity: 'major' } }],
  ['/subscribe whatsapp', { command: 'subscribe', args: { service: 'whatsapp' } }],
  ['/subscribe major', { command: 'subscribe', args: { service: 'major' } }],
  [
    '/subscribe "google cloud" minor',
    { command: 'subscribe', args: { service: 'google cloud', severity: 'minor' } },
  ],
  [
    '/subscribe google cloud Major',
    { command: 'subscribe', args: { service: 'google cloud', severity: 'Major' } },
  ],
  ['/subscribe “google  cloud”', { command: 'subscribe', args: { service: 'google cloud' } }],
  ['/subscribe "google cloud', { command: 'subscribe', args: { service: 'google cloud' } }],
  ['/unsubscribe all', { command: 'unsubscribe', args: { service: 'all' } }],
  [
    '/report whatsapp messages not sending',
    { command: 'report', args: { service: 'whatsapp', problem: 'messages not sending' } },
  ],
  [
    '/report "google cloud" login',
    { command: 'report', args: { service: 'google cloud', problem: 'login' } },
  ],
  [
    '/report হোয়াটসঅ্যাপ মেসেজ যাচ্ছে না',
    { command: 'report', args: { service: 'হোয়াটসঅ্যাপ', problem: 'মেসেজ যাচ্ছে না' } },
  ],
  ['/settings language bn quiet off', { command: 'settings', args: { language: 'bn', quiet: 'off' } }],
  ['/settings tz Asia/Dhaka', { command: 'settings', args: { timezone: 'Asia/Dhaka' } }],
  ['/settings Asia/Dhaka', { command: 'settings', args: { timezone: 'Asia/Dhaka' } }],
  ['/settings bn', { command: 'settings', args: { language: 'bn' } }],
  ['/settings 23:00-07:00', { command: 'settings', args: { quiet: '23:00-07:00' } }],
  ['/settings २३:००-०७:००', { command: 'settings', args: { quiet: '२३:००-०७:००' } }],
  [
    '/settings quiet २३:०० - ०७:०० hi',
    { command: 'settings', args: { quiet: '२३:०० - ०७:००', language: 'hi' } },
  ],
  ['/settings बंद', { command: 'settings', args: { quiet: 'बंद' } }],
  ['/settings हिन्दी', { command: 'settings', args: { language: 'हिन्दी' } }],
  [
    '/settings quiet 22:00 - 07:00 timezone UTC',
    { command: 'settings', args: { quiet: '22:00 - 07:00', timezone: 'UTC' } },
  ],
  ['/settings timezone', { command: 'settings', args: { timezone: '' } }],
  ['/settings quiet 22:00 to 07:00', { command: 'settings', args: { quiet: '22:00 to 07:00' } }],
  ['/settings quiet off language bn', { command: 'settings', args: { quiet: 'off', language: 'bn' } }],
  ['/settings quiet', { command: 'settings', args: { quiet: '' } }],
  ['/settings role 123456789012345678', { command: 'settings', args: { role: '123456789012345678' } }],
  ['/settings remind 2h', { command: 'settings', args: { remind: '2h' } }],
  ['/settings remind ৪ hours tz UTC', { command: 'settings', args: { remind: '৪ hours', timezone: 'UTC' } }],
  ['/settings reminders off', { command: 'settings', args: { remind: 'off' } }],
  ['/settings 30m bn', { command: 'settings', args: { remind: '30m', language: 'bn' } }],
  ['/settings ১h', { command: 'settings', args: { remind: '১h' } }],
  ['/settings remind', { command: 'settings', args: { remind: '' } }],
  ['/settings threads on', { command: 'settings', args: { threads: 'on' } }],
  ['/settings thread off tz UTC', { command: 'settings', args: { threads: 'off', timezone: 'UTC' } }],
  ['/help me please', { command: 'help', args: {} }],
  ['/frobnicate x', { command: 'frobnicate', args: {} }],
  ['\u200f /status', { command: 'status', args: {} }],
  ['/status@OtherBot github', null],
  ['hello /status', null],
  ['/ status', null],
  ['/etc/passwd', null],
  ['', null],
  ['/', null],
  ['status', null],
];

describe('parseCommandText', () => {
  it.each(TABLE)('%j', (text, expected) => {
    const parsed = parseCommandText(text, BOT);
    expect(parsed && { command: parsed.command, args: parsed.args }).toEqual(expected);
  });

  it('says whether the command named the bot', () => {
    expect(parseCommandText('/frobnicate', BOT)?.addressed).toBe(false);
    expect(parseCommandText('/frobnicate@incidentbot', BOT)?.addressed).toBe(true);
  });

  it('accepts any @addressee when it does not know its own name', () => {
    expect(parseCommandText('/status@OtherBot', undefined)).toEqual({
      command: 'status',
      args: {},
      addressed: true,
    });
  });

  it('reads only the first 1000 characters of arguments of a 10k-character message', () => {
    const parsed = parseCommandText(`/status ${'a'.repeat(10_000)}`, BOT);
    expect(parsed?.args.service?.length).toBe(1000);
  });
});

/** Strings that try to break things: direction marks, zero-width characters, markup, mentions. */
const adversarial = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc
    .array(
      fc.constantFrom(
        '/status',
        '/subscribe',
        '/report',
        '/settings',
        '@IncidentBot',
        '@everyone',
        '@here',
        '<b>',
        '</a>',
        '<@&123>',
        '"',
        '“',
        '«',
        "'",
        '\u200b',
        '\u200d',
        '\u200f',
        '\u202e',
        '\u2066',
        '\ufeff',
        '\ud800',
        ' ',
        '\n',
        '\t',
        'whatsapp',
        'major',
        'quiet',
        '22:00',
        '-',
        'হোয়াটসঅ্যাপ',
        '𝕨𝕙𝕒𝕥𝕤',
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join('')),
);

describe('parseCommandText on adversarial input', () => {
  it('never throws, and gives a lower-case command with named, non-empty-keyed string arguments', () => {
    fc.assert(
      fc.property(adversarial, fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), (text, bot) => {
        const parsed = parseCommandText(text, bot);
        if (parsed === null) return;
        expect(parsed.command).toMatch(/^[a-z0-9_]{1,32}$/);
        for (const [key, value] of Object.entries(parsed.args)) {
          expect(COMMAND_ARG_NAMES).toContain(key);
          expect(typeof value).toBe('string');
          expect(value.length).toBeLessThanOrEqual(1000);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on a 10k-character message of any characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 10_000, maxLength: 10_000 }), (rest) => {
        expect(() => parseCommandText(`/report ${rest}`, BOT)).not.toThrow();
      }),
      { numRuns: 20 },
    );
  });

  it('is not fooled by an addressee that only starts with our name', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_]{1,10}$/), (suffix) => {
        expect(parseCommandText(`/status@${BOT}${suffix} github`, BOT)).toBeNull();
      }),
    );
  });
});

describe('tokenize', () => {
  it('keeps quoted text as one token and joins its inner white space', () => {
    expect(tokenize(' a  "b   c" «d e» \'f\' ')).toEqual(['a', 'b c', 'd e', 'f']);
  });

  it('never yields an empty token or one with white space at its ends', () => {
    fc.assert(
      fc.property(adversarial, (text) => {
        for (const token of tokenize(text)) {
          expect(token).not.toBe('');
          expect(token).toBe(token.trim());
        }
      }),
      { numRuns: 1000 },
    );
  });
});
