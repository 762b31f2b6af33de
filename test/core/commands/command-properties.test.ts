import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/core/commands/command-parser.js';
import type { CommandArgs } from '../../../src/core/commands/command-request.js';
import { COMMAND_ARG_NAMES, COMMAND_NAMES } from '../../../src/core/commands/registry.js';
import { MAX_REPLY_CHARS } from '../../../src/core/commands/command-service.js';
import { PLATFORM_NAMES } from '../../../src/platforms/registry.js';
import { makeHarness, request } from './harness.js';

const nasty = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(
    'whatsapp',
    'all',
    '',
    ' ',
    '@everyone',
    '<b>x</b>',
    '\u202egithub',
    'what\u200bsapp',
    'Asia/Dhaka',
    'Mars/Olympus',
    '22:00-07:00',
    'off',
    'bn',
    'major',
    '123456789012345678',
    'x'.repeat(10_000),
  ),
);

const args: fc.Arbitrary<CommandArgs> = fc
  .dictionary(fc.constantFrom(...COMMAND_ARG_NAMES), nasty, { maxKeys: 4 })
  .map((d) => d as CommandArgs);

const requestInput = fc.record({
  command: fc.oneof(fc.constantFrom(...COMMAND_NAMES), fc.string({ maxLength: 40 })),
  args,
  // Every listed platform, and a name no module has (its chats have no capabilities).
  platform: fc.constantFrom(...PLATFORM_NAMES, 'console'),
  kind: fc.constantFrom('private', 'group', 'channel' as const),
  admin: fc.boolean(),
  localeHint: fc.option(fc.oneof(fc.constantFrom('bn', 'en-US', 'bn-BD', 'hi'), fc.string()), {
    nil: undefined,
  }),
  userId: fc.constantFrom('1', '2', '3'),
});

describe('handle on any request', () => {
  it('answers with non-empty text within the limit, and never rejects', async () => {
    const h = makeHarness();
    await fc.assert(
      fc.asyncProperty(requestInput, async (input) => {
        const reply = await h.service.handle(
          request(input.command, input.args, {
            platform: input.platform,
            kind: input.kind,
            admin: input.admin,
            userId: input.userId,
            ...(input.localeHint === undefined ? {} : { localeHint: input.localeHint }),
          }),
        );
        expect(reply.text.trim()).not.toBe('');
        expect(reply.text.length).toBeLessThanOrEqual(MAX_REPLY_CHARS);
        expect(reply.error).toBeUndefined();
        expect(reply.text).not.toMatch(/undefined|NaN|\[object/);
      }),
      { numRuns: 1500 },
    );
  });

  it('answers every parsed Telegram message the same way', async () => {
    const h = makeHarness();
    const text = fc.oneof(
      fc.string({ maxLength: 200 }).map((s) => `/${s}`),
      fc
        .tuple(
          fc.constantFrom(...COMMAND_NAMES.filter((c) => !c.includes('-'))),
          fc.array(nasty, { maxLength: 5 }),
        )
        .map(([c, parts]) => `/${c} ${parts.join(' ')}`),
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        const parsed = parseCommandText(t, 'IncidentBot');
        if (parsed === null) return;
        const reply = await h.service.handle(request(parsed.command, parsed.args));
        expect(reply.text.trim()).not.toBe('');
        expect(reply.text.length).toBeLessThanOrEqual(MAX_REPLY_CHARS);
        expect(reply.error).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('turns a throwing port into internalError for any command, never a rejection', async () => {
    const h = makeHarness();
    h.store.failWith = new Error('disk I/O error');
    await fc.assert(
      fc.asyncProperty(requestInput, async (input) => {
        const reply = await h.service.handle(
          request(input.command, input.args, { platform: input.platform }),
        );
        expect(reply.error).toBe(h.store.failWith);
        expect(reply.ephemeral).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
