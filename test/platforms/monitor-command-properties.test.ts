/**
 * `/monitor` on random and adversarial input, through each platform's own parsing:
 * Telegram text (`parseCommandText`, then the reply rendered as Telegram HTML) and Discord
 * slash-command options (the real discord.js adapter against the local Discord, which maps the
 * sub-command and its options). Inputs mix Unicode, RTL and zero-width marks, HTML, markdown,
 * mentions (`@everyone`, `<@id>`, `<@&id>`, `@username`) and 10,000-character strings.
 *
 * The monitor port echoes what it is given back into the reply (the worst case for escaping),
 * behind the real SSRF target parser with a resolver that answers a public address.
 *
 * Properties: nothing throws, the reply is never empty, it fits the platform's limit (Telegram
 * 4,096 visible characters per message in valid HTML; Discord 2,000), and it pings nobody.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DISCORD_CONTENT_CHARS } from '../../src/platforms/discord/discord-render.js';
import { DiscordInteractions } from '../../src/platforms/discord/discord-interactions.js';
import { DiscordPlatform } from '../../src/platforms/discord/discord-platform.js';
import type { PlatformContext } from '../../src/platforms/platform.js';
import { MAX_TELEGRAM_TEXT_CHARS, renderTelegramText } from '../../src/platforms/telegram/telegram-render.js';
import { parseCommandText } from '../../src/core/commands/command-parser.js';
import { MONITOR_ACTIONS } from '../../src/core/commands/definitions/monitor-command.js';
import type {
  MonitorAddOutcome,
  MonitorCaller,
  MonitorCommandPort,
  MonitorListOutcome,
  MonitorRemoveOutcome,
  MonitorScope,
  MonitorSummary,
} from '../../src/core/commands/ports.js';
import { STRICT_ADDRESS_POLICY } from '../../src/monitors/ssrf/address-policy.js';
import { vetTarget } from '../../src/monitors/ssrf/ssrf-guard.js';
import { silentLog } from '../dispatch/delivery-fixtures.js';
import { makeHarness, request } from '../core/commands/harness.js';
import { type FakeDiscord, PermissionBits, startFakeDiscord } from '../fakes/discord/index.js';
import { parseTelegramHtml } from '../fakes/telegram/index.js';

const SEED = 20261129;
/** Inputs tried per property; reported in the README (Security, Fuzzing). */
export const RUNS = { telegramText: 5000, discordOptions: 1000 } as const;
const LIMIT = 20;

/** Reply kinds a run must have met, so the properties cannot pass on refusals alone. */
const KINDS: Readonly<Record<string, RegExp>> = {
  added: /^Added /,
  refused: /^This target cannot be added/,
  listing: /^Monitors /,
  removedOrNotFound: /^(Removed|There is no monitor)/,
  adminsOnly: /^Only admins/,
};

function kindsOf(texts: readonly string[]): string[] {
  return Object.entries(KINDS)
    .filter(([, pattern]) => texts.some((t) => pattern.test(t)))
    .map(([kind]) => kind);
}

/** A Discord mention that would notify: everyone/here, a user, role or channel reference. */
const DISCORD_MENTION = /@(everyone|here)|<[@#]/;
/** A Telegram mention: `@` directly followed by a username character. */
const TELEGRAM_MENTION = /@[\p{L}\p{N}_]/u;

const SPECIALS = [
  '@everyone',
  '@here',
  '@admin',
  '<@123456789012345678>',
  '<@!123>',
  '<@&123456789012345678>',
  '<#123>',
  '<b>bold</b>',
  '<a href="tg://user?id=42">x</a>',
  '&amp;',
  '**',
  '`',
  '||',
  '[a](https://evil.example)',
  '\\',
  '"',
  '\u202e',
  '\u200f',
  '\u2066',
  '\u200b',
  '\u2060',
  '\ufeff',
  '😀',
  'ক্ষ',
  '\n',
  ' ',
  '',
  'add',
  'remove',
  'list',
  '5m',
  '1s',
  '0s',
  '99999h',
  'https://example.org/ ok',
  'http://169.254.169.254/',
  'http://user@example.org/',
  'game.example.org:25565',
  'x'.repeat(10_000),
  '@'.repeat(3000),
];

const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIALS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.webUrl() },
);
const hostile = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
const action = fc.oneof(fc.constantFrom(...MONITOR_ACTIONS, 'ADD', 'Remove'), hostile);

/**
 * A monitor port that accepts whatever the real target parser accepts (every name, any interval)
 * and echoes names and targets back: replies then carry as much user text as they ever can.
 */
class EchoMonitorPort implements MonitorCommandPort {
  private readonly owned = new Map<string, MonitorSummary[]>();
  private readonly resolve = () => Promise.resolve(['93.184.216.34']);

  async add(
    caller: MonitorCaller,
    input: { readonly name: string; readonly target: string; readonly intervalMs?: number },
  ): Promise<MonitorAddOutcome> {
    const policy = { resolve: this.resolve, policy: STRICT_ADDRESS_POLICY };
    const verdict = await vetTarget(input.target, policy, AbortSignal.timeout(5_000));
    if (!verdict.ok) return { kind: 'refused', reason: verdict.reason };
    const mine = this.of(caller);
    if (mine.length >= LIMIT) return { kind: 'limit-reached', limit: LIMIT };
    const monitor = { name: input.name, target: input.target, intervalMs: input.intervalMs ?? 60_000 };
    mine.push(monitor);
    return { kind: 'added', monitor, serviceId: `chat-${mine.length}` };
  }

  remove(caller: MonitorCaller, name: string): MonitorRemoveOutcome {
    const mine = this.of(caller);
    const index = mine.findIndex((m) => m.name === name);
    const [monitor] = index < 0 ? [] : mine.splice(index, 1);
    return monitor === undefined ? { kind: 'not-found', name } : { kind: 'removed', monitor };
  }

  list(scope: MonitorScope): MonitorListOutcome {
    const monitors = this.of(scope);
    const audit = monitors.map((m) => ({ name: m.name, action: 'add' as const, actor: '@everyone', at: 0 }));
    return { monitors, limit: LIMIT, audit };
  }

  servicesOf(): readonly never[] {
    return [];
  }

  serviceIds(): readonly string[] {
    return [];
  }

  private of(scope: MonitorScope): MonitorSummary[] {
    const key = `${scope.platform}:${scope.guildId ?? scope.chatId}`;
    const list = this.owned.get(key) ?? [];
    this.owned.set(key, list);
    return list;
  }
}

describe('/monitor typed in Telegram', () => {
  it(`answers ${RUNS.telegramText} random messages within the limit, in valid HTML, pinging nobody`, async () => {
    const h = makeHarness({}, undefined, { monitors: new EchoMonitorPort() });
    const seen: string[] = [];
    const text = fc
      .tuple(
        fc.constantFrom('/monitor', '/monitor@IncidentBot', '/MONITOR'),
        action,
        fc.array(hostile, { maxLength: 4 }),
      )
      .map(([command, act, rest]) => [command, act, ...rest].join(' '));
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), async (message, admin) => {
        const parsed = parseCommandText(message, 'IncidentBot');
        if (parsed === null) return;
        const reply = await h.service.handle(request(parsed.command, parsed.args, { admin }));
        expect(reply.error).toBeUndefined();
        seen.push(reply.text);
        const chunks = renderTelegramText(reply.text);
        expect(chunks.length).toBeGreaterThan(0);
        for (const chunk of chunks) {
          const shown = parseTelegramHtml(chunk);
          if (!shown.ok) throw new Error(`Telegram would refuse the HTML: ${shown.error}`);
          expect(shown.text.length).toBeLessThanOrEqual(MAX_TELEGRAM_TEXT_CHARS);
          expect(shown.entities).toEqual([]);
          expect(shown.text).not.toMatch(TELEGRAM_MENTION);
        }
      }),
      { seed: SEED, numRuns: RUNS.telegramText },
    );
    expect(kindsOf(seen)).toEqual(Object.keys(KINDS));
  }, 120_000);
});

describe('/monitor as a Discord slash command', () => {
  let fake: FakeDiscord;
  let platform: DiscordPlatform;
  let channelId: string;
  let admin: string;
  let member: string;

  beforeAll(async () => {
    fake = await startFakeDiscord({ heartbeatIntervalMs: 500, onUnknownRoute: () => undefined });
    const guild = fake.addGuild({
      name: 'Ops',
      channels: [{ name: 'alerts' }],
      members: [
        { username: 'ana', permissions: PermissionBits.ManageChannels },
        { username: 'bob', permissions: '0' },
      ],
    });
    [channelId, admin, member] = [
      guild.channels.alerts ?? '',
      guild.members.ana ?? '',
      guild.members.bob ?? '',
    ];
    const h = makeHarness({}, undefined, { monitors: new EchoMonitorPort() });
    const interactions = new DiscordInteractions({
      commands: h.service,
      subscriptions: h.store,
      log: silentLog,
    });
    // The platform reads only the log, clock and subscriptions of its context here.
    const ctx = { log: silentLog, clock: h.clock, subscriptions: h.store } as unknown as PlatformContext;
    platform = new DiscordPlatform(
      { token: fake.token, applicationId: fake.applicationId, guildId: guild.id, apiRoot: fake.restUrl },
      ctx,
      interactions,
    );
    await platform.start();
  }, 30_000);

  afterAll(async () => {
    await platform?.stop();
    await fake?.close();
  });

  it(`answers ${RUNS.discordOptions} random option sets within 2,000 characters, pinging nobody`, async () => {
    const options = fc.record({ name: hostile, target: hostile, every: hostile }, { requiredKeys: [] });
    const sub = fc.constantFrom(...MONITOR_ACTIONS);
    const seen: string[] = [];
    await fc.assert(
      fc.asyncProperty(sub, options, fc.boolean(), async (subcommand, values, asAdmin) => {
        const handle = fake.interaction({
          kind: 'command',
          channelId,
          userId: asAdmin ? admin : member,
          name: 'monitor',
          options: [
            { name: subcommand, options: Object.entries(values).map(([name, value]) => ({ name, value })) },
          ],
        });
        const response = await handle.response();
        const answer = await fake.waitFor(() => {
          const m = handle.followUps()[0] ?? handle.original();
          return m !== undefined && m.content !== '' ? m : undefined;
        });
        seen.push(answer.content.replace(/\\(.)/g, '$1'));
        expect(answer.content.length).toBeLessThanOrEqual(MAX_DISCORD_CONTENT_CHARS);
        expect(answer.content).not.toMatch(DISCORD_MENTION);
        expect(answer.allowedMentions).toEqual({ parse: [] });
        expect(response.type === 4 || response.type === 5).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS.discordOptions },
    );
    expect(kindsOf(seen)).toEqual(Object.keys(KINDS));
  }, 180_000);
});
