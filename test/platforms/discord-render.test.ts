import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COLOUR_DEGRADED,
  COLOUR_DOWN,
  COLOUR_UP,
  MAX_DISCORD_BUTTON_LABEL_CHARS,
  MAX_DISCORD_CONTENT_CHARS,
  MAX_DISCORD_CUSTOM_ID_CHARS,
  MAX_DISCORD_EMBED_DESCRIPTION_CHARS,
  MAX_DISCORD_EMBED_FIELDS,
  MAX_DISCORD_EMBED_TITLE_CHARS,
  MAX_DISCORD_EMBED_TOTAL_CHARS,
  MAX_DISCORD_FIELD_NAME_CHARS,
  MAX_DISCORD_FIELD_VALUE_CHARS,
  MAX_DISCORD_FOOTER_CHARS,
  escapeDiscordMarkdown,
  renderDiscordAlert,
  renderDiscordText,
  type DiscordAlert,
} from '../../src/platforms/discord/discord-render.js';
import { buildAlert, parseButtonPayload, type AlertMessage } from '../../src/core/alert-message.js';
import type { Evidence } from '../../src/core/detection/service-status.js';
import type { IncidentEvent } from '../../src/core/events.js';
import type { OutcomeReason } from '../../src/core/model.js';

const SEED = 20240703;
const T = Date.UTC(2024, 0, 1, 16, 50);
const UNIX = T / 1000;
const ROLE = '123456789012345678';
const ZWSP = '\u200b';
const ctx = { locale: 'en', timeZone: 'Asia/Dhaka' } as const;

function event(overrides: Partial<IncidentEvent> = {}): IncidentEvent {
  return {
    kind: 'opened',
    incidentId: 12,
    serviceId: 'whatsapp',
    serviceName: 'WhatsApp',
    group: 'meta',
    severity: 'major',
    status: 'down',
    startedAt: T,
    at: T,
    evidence: [],
    ...overrides,
  };
}

const probe = (target: string, reason: OutcomeReason, message: string): Evidence => ({
  kind: 'probe',
  monitorId: `m-${target}`,
  target,
  state: 'down',
  reason,
  message,
});
/** Probe evidence as the HTTP probe gives it: the status code as a fact, beside its message. */
const http503: Evidence = {
  kind: 'probe',
  monitorId: 'm-web.whatsapp.com',
  target: 'web.whatsapp.com',
  state: 'down',
  reason: 'http-status',
  message: 'HTTP 503',
  facts: { statusCode: 503 },
};

/** Every limit of docs/platforms.md §1.1 that a message with one embed must respect. */
function expectWithinLimits(message: DiscordAlert): void {
  const [embed] = message.embeds;
  expect(message.content?.length ?? 0).toBeLessThanOrEqual(MAX_DISCORD_CONTENT_CHARS);
  expect(embed.title.length).toBeLessThanOrEqual(MAX_DISCORD_EMBED_TITLE_CHARS);
  expect(embed.description?.length ?? 0).toBeLessThanOrEqual(MAX_DISCORD_EMBED_DESCRIPTION_CHARS);
  expect(embed.fields.length).toBeLessThanOrEqual(MAX_DISCORD_EMBED_FIELDS);
  for (const field of embed.fields) {
    expect(field.name.length).toBeGreaterThan(0);
    expect(field.name.length).toBeLessThanOrEqual(MAX_DISCORD_FIELD_NAME_CHARS);
    expect(field.value.length).toBeLessThanOrEqual(MAX_DISCORD_FIELD_VALUE_CHARS);
  }
  expect(embed.footer.text.length).toBeLessThanOrEqual(MAX_DISCORD_FOOTER_CHARS);
  const total =
    embed.title.length +
    (embed.description?.length ?? 0) +
    embed.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0) +
    embed.footer.text.length;
  expect(total).toBeLessThanOrEqual(MAX_DISCORD_EMBED_TOTAL_CHARS);
  for (const button of message.components.flatMap((row) => row.components)) {
    expect(button.custom_id.length).toBeLessThanOrEqual(MAX_DISCORD_CUSTOM_ID_CHARS);
    expect(button.label.length).toBeLessThanOrEqual(MAX_DISCORD_BUTTON_LABEL_CHARS);
  }
}

/** A mention Discord would render or ping: `@everyone`, `@here`, `<@id>`, `<@!id>`, `<@&id>`, `<#id>`. */
const LIVE_MENTION = /@(everyone|here)|<[@#]/;

/** Every text of the message a mention or markdown could hide in, except the role ping we add. */
function untrustedTexts(message: DiscordAlert): string[] {
  const [embed] = message.embeds;
  return [
    embed.title,
    embed.description ?? '',
    embed.footer.text,
    ...embed.fields.flatMap((f) => [f.name, f.value.replace(/<t:\d+:[fR]>/g, '')]),
  ];
}

describe('renderDiscordAlert', () => {
  it('renders an outage with probe evidence, the role ping and buttons', () => {
    const alert = buildAlert([event({ evidence: [http503] })], {
      ...ctx,
      statusPageUrl: 'https://status.example.com/a_(b)',
    });
    expect(renderDiscordAlert(alert, { mentionRoleId: ROLE })).toEqual({
      content: `<@&${ROLE}>`,
      embeds: [
        {
          title: 'WhatsApp is down',
          description: '• web.whatsapp.com: HTTP 503',
          color: COLOUR_DOWN,
          fields: [
            { name: 'Started', value: `<t:${UNIX}:f> (<t:${UNIX}:R>)`, inline: true },
            {
              name: 'Status page',
              value: '[status.example.com](https://status.example.com/a_%28b%29)',
              inline: false,
            },
          ],
          footer: { text: 'Incident #12' },
          timestamp: '2024-01-01T16:50:00.000Z',
        },
      ],
      components: [
        {
          type: 1,
          components: [
            { type: 2, style: 1, label: "I'm affected too", custom_id: 'r:whatsapp' },
            { type: 2, style: 2, label: 'Mute 1 hour', custom_id: 'm:whatsapp' },
          ],
        },
      ],
      allowed_mentions: { parse: [], roles: [ROLE] },
    });
  });

  it('renders degradation with crowd evidence in Bengali, without a ping', () => {
    const crowd: Evidence = {
      kind: 'crowd',
      level: 'possible',
      reporters: 14,
      topProblem: { kind: 'login', share: 0.5 },
    };
    const alert = buildAlert([event({ status: 'degraded', severity: 'minor', evidence: [crowd] })], {
      locale: 'bn',
      timeZone: 'Asia/Dhaka',
    });
    const rendered = renderDiscordAlert(alert, { mentionRoleId: ROLE });
    expect(rendered.content).toBeUndefined();
    expect(rendered.allowed_mentions).toEqual({ parse: [] });
    expect(rendered.embeds[0]).toMatchObject({
      title: 'WhatsApp ঠিকমতো কাজ করছে না',
      description:
        '• ১৪ জন ব্যবহারকারী সমস্যার কথা জানিয়েছেন, স্বাভাবিকের চেয়ে বেশি\n• ৫০% রিপোর্টে: লগইন করা যাচ্ছে না',
      color: COLOUR_DEGRADED,
      footer: { text: 'ঘটনা #১২' },
    });
    expect(rendered.components[0]?.components.map((b) => b.label)).toEqual([
      'আমারও সমস্যা হচ্ছে',
      '১ ঘণ্টা নীরব রাখুন',
    ]);
  });

  it('renders a recovery with its duration, no buttons and no ping', () => {
    const resolved = event({ kind: 'resolved', status: 'up', at: T + 45 * 60_000, durationMs: 45 * 60_000 });
    const english = renderDiscordAlert(buildAlert([resolved], ctx), { mentionRoleId: ROLE });
    expect(english).toEqual({
      embeds: [
        {
          title: 'WhatsApp is back up after 45 minutes',
          color: COLOUR_UP,
          fields: [
            { name: 'Started', value: `<t:${UNIX}:f> (<t:${UNIX}:R>)`, inline: true },
            { name: 'Duration', value: '45 minutes', inline: true },
          ],
          footer: { text: 'Incident #12' },
          timestamp: '2024-01-01T17:35:00.000Z',
        },
      ],
      components: [],
      allowed_mentions: { parse: [] },
    });
    const bengali = renderDiscordAlert(buildAlert([resolved], { locale: 'bn', timeZone: 'Asia/Dhaka' }));
    expect(bengali.embeds[0].title).toBe('৪৫ মিনিট পর WhatsApp আবার চালু হয়েছে');
    expect(bengali.embeds[0].fields[1]).toEqual({ name: 'স্থায়িত্ব', value: '৪৫ মিনিট', inline: true });
  });

  it('renders the grouped Meta alert with an official line', () => {
    const official: Evidence = {
      kind: 'official',
      monitorId: 'o',
      state: 'down',
      lines: ['WhatsApp says: Major outage — Messaging'],
    };
    const events = [
      event({ evidence: [official] }),
      event({ serviceId: 'instagram', serviceName: 'Instagram', incidentId: 13 }),
      event({ serviceId: 'messenger', serviceName: 'Messenger', incidentId: 14 }),
    ];
    const [embed] = renderDiscordAlert(buildAlert(events, ctx)).embeds;
    expect(embed.title).toBe('Meta services: Instagram, Messenger, WhatsApp down');
    expect(embed.description).toBe(
      '• Instagram: down\n• Messenger: down\n• WhatsApp says: Major outage — Messaging',
    );
    expect(embed.footer.text).toBe('Incidents #13, #14, #12');
  });

  it('ignores a role id that is not a snowflake', () => {
    const rendered = renderDiscordAlert(buildAlert([event()], ctx), { mentionRoleId: '1> @everyone' });
    expect(rendered.content).toBeUndefined();
    expect(rendered.allowed_mentions).toEqual({ parse: [] });
  });

  it('escapes markdown and breaks mentions in hostile names and reasons', () => {
    const hostile = event({
      serviceName: '@everyone <@&42> **bold** [x](https://evil.example)',
      evidence: [probe('<#123>', 'assertion', '`code` ||spoiler|| @here _i_ ~s~ > quote # h - l')],
    });
    const rendered = renderDiscordAlert(buildAlert([hostile], ctx));
    const [embed] = rendered.embeds;
    expect(embed.title).toBe(
      `@${ZWSP}everyone <${ZWSP}@${ZWSP}&42\\> \\*\\*bold\\*\\* \\[x\\]\\(https://evil.example\\) is down`,
    );
    expect(embed.description).toBe(
      `• <${ZWSP}\\#123\\>: unexpected page content \\(\\\`code\\\` \\|\\|spoiler\\|\\| @${ZWSP}here \\_i\\_ \\~s\\~ \\> quote \\# h \\- l\\)`,
    );
    for (const text of untrustedTexts(rendered)) expect(text).not.toMatch(LIVE_MENTION);
    expect(rendered.allowed_mentions).toEqual({ parse: [] });
  });

  it('stays within every limit with a 10,000-character line, 100 lines and a huge name', () => {
    const huge = probe('big.example', 'assertion', '*'.repeat(10_000));
    const many = Array.from({ length: 100 }, (_, i) =>
      probe(`host-${i}.eu-west-1.edge.example.com`, 'timeout', 'x'),
    );
    const rendered = renderDiscordAlert(
      buildAlert([event({ serviceName: '_'.repeat(10_000), evidence: [huge, ...many] })], ctx),
    );
    expectWithinLimits(rendered);
    const [embed] = rendered.embeds;
    expect(embed.title).toMatch(/^(\\_)+…$/);
    expect(embed.description).toMatch(/\n… and \d+ more$/);
    expect(embed.description?.length).toBeGreaterThan(MAX_DISCORD_EMBED_DESCRIPTION_CHARS - 100);
  });

  it('keeps custom ids within 100 characters and resolvable for long ids', () => {
    const id = 'ক'.repeat(63); // 189 UTF-8 bytes
    const rendered = renderDiscordAlert(buildAlert([event({ serviceId: id })], ctx));
    for (const button of rendered.components.flatMap((row) => row.components)) {
      expect(button.custom_id.length).toBeLessThanOrEqual(MAX_DISCORD_CUSTOM_ID_CHARS);
      expect(parseButtonPayload(button.custom_id, ['whatsapp', id])?.serviceId).toBe(id);
    }
  });
});

describe('renderDiscordText', () => {
  it('escapes a command reply and allows no mention', () => {
    expect(renderDiscordText('Use /subscribe <service|all> @everyone')).toEqual({
      content: `Use /subscribe <${ZWSP}service\\|all\\> @${ZWSP}everyone`,
      allowed_mentions: { parse: [] },
    });
  });

  it('cuts long replies to 2000 characters without splitting an escape', () => {
    const { content } = renderDiscordText('*'.repeat(5000));
    expect(content.length).toBeLessThanOrEqual(MAX_DISCORD_CONTENT_CHARS);
    expect(content).toMatch(/^(\\\*)+…$/);
  });

  it('escapes every markdown character it knows', () => {
    expect(escapeDiscordMarkdown('\\*_~`|>[]()#-')).toBe('\\\\\\*\\_\\~\\`\\|\\>\\[\\]\\(\\)\\#\\-');
  });
});

const SPECIALS = [
  '@everyone',
  '@here',
  '<@123>',
  '<@!123>',
  '<@&123>',
  '<#123>',
  '**',
  '`',
  '||',
  '[a](b)',
  '\\',
  '\u202e',
  '\u200b',
  '😀',
  '\ud800',
  '\n',
  '# ',
];
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(...SPECIALS),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.constantFrom('x'.repeat(5000), '*'.repeat(3000)),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

const hostileAlert = fc
  .record({
    title: hostile,
    lines: fc.array(hostile, { maxLength: 120 }),
    footer: hostile,
    label: hostile,
    durationText: hostile,
    serviceId: fc.string({ unit: 'binary', maxLength: 63 }),
  })
  .map(({ title, lines, footer, label, durationText, serviceId }): AlertMessage => {
    const base = buildAlert([event({ serviceId })], { ...ctx, statusPageUrl: 'https://status.example.com/' });
    return {
      ...base,
      title,
      lines,
      footer,
      durationText,
      links: [{ label, url: 'https://status.example.com/x)y' }],
      buttons: base.buttons.map((b) => ({ ...b, label })),
    };
  });

describe('renderDiscordAlert on hostile input', () => {
  it('stays within every limit and contains no live mention but the chosen role', () => {
    fc.assert(
      fc.property(hostileAlert, fc.boolean(), (alert, ping) => {
        const rendered = renderDiscordAlert(alert, ping ? { mentionRoleId: ROLE } : {});
        expectWithinLimits(rendered);
        for (const text of untrustedTexts(rendered)) expect(text).not.toMatch(LIVE_MENTION);
        expect(rendered.content ?? `<@&${ROLE}>`).toBe(`<@&${ROLE}>`);
        expect(rendered.allowed_mentions.parse).toEqual([]);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('keeps replies within 2000 characters with no live mention', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const { content } = renderDiscordText(text);
        expect(content.length).toBeLessThanOrEqual(MAX_DISCORD_CONTENT_CHARS);
        expect(content).not.toMatch(LIVE_MENTION);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
