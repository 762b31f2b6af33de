import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_TELEGRAM_CALLBACK_DATA_BYTES,
  MAX_TELEGRAM_TEXT_CHARS,
  escapeTelegramHtml,
  renderTelegramAlert,
  renderTelegramText,
} from '../../src/platforms/telegram/telegram-render.js';
import { buildAlert, parseButtonPayload, type AlertMessage } from '../../src/core/alert-message.js';
import type { Evidence } from '../../src/core/detection/service-status.js';
import type { IncidentEvent } from '../../src/core/events.js';
import type { OutcomeReason } from '../../src/core/model.js';

const SEED = 20240702;
const T = Date.UTC(2024, 0, 1, 16, 50); // 22:50 in Dhaka

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

const ctx = { locale: 'en', timeZone: 'Asia/Dhaka' } as const;
const bytes = (text: string): number => new TextEncoder().encode(text).length;

/**
 * Parses Telegram HTML the strict way the Bot API does: only our tags, balanced; every other
 * `<`, `>` and `&` escaped. Returns the visible text, or throws naming the problem.
 */
function parseTelegramHtml(html: string): string {
  const token = /<(\/?)(b|i|code|a)((?: href="[^"<>]*")?)>|&(amp|lt|gt|quot);|[^<>&]+|[<>&]/gy;
  const decoded: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"' };
  const open: string[] = [];
  let visible = '';
  for (const match of html.matchAll(token)) {
    const [text, closing, tag, attributes, entity] = match;
    if (tag !== undefined) {
      if (closing === '/') {
        if (open.pop() !== tag || attributes !== '') throw new Error(`unbalanced </${tag}>`);
      } else {
        if ((tag === 'a') !== (attributes !== '')) throw new Error(`bad attributes on <${tag}>`);
        open.push(tag);
      }
    } else if (entity !== undefined) {
      visible += decoded[entity];
    } else if (text === '<' || text === '>' || text === '&') {
      throw new Error(`unescaped ${text} at ${match.index}`);
    } else {
      visible += text;
    }
  }
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  return visible;
}

describe('renderTelegramAlert', () => {
  it('renders an outage with probe evidence, link and buttons', () => {
    const alert = buildAlert([event({ evidence: [http503] })], {
      ...ctx,
      statusPageUrl: 'https://status.example.com/?a=1&b=2',
    });
    expect(renderTelegramAlert(alert)).toEqual({
      text: [
        '🔴 <b>WhatsApp is down</b>',
        '• web.whatsapp.com: HTTP 503',
        '',
        'Started Jan 1, 10:50 PM',
        '<a href="https://status.example.com/?a=1&amp;b=2">Status page</a>',
      ].join('\n'),
      parseMode: 'HTML',
      replyMarkup: {
        inline_keyboard: [
          [
            { text: "I'm affected too", callback_data: 'r:whatsapp' },
            { text: 'Mute 1 hour', callback_data: 'm:whatsapp' },
          ],
        ],
      },
    });
  });

  it('renders a Bengali recovery without buttons, in Bengali digits', () => {
    const resolved = event({ kind: 'resolved', status: 'up', at: T + 45 * 60_000, durationMs: 45 * 60_000 });
    const rendered = renderTelegramAlert(buildAlert([resolved], { locale: 'bn', timeZone: 'Asia/Dhaka' }));
    expect(rendered.text).toBe('✅ <b>৪৫ মিনিট পর WhatsApp আবার চালু হয়েছে</b>\n\nশুরু: ১ জানু, রাত্রি ১০:৫০');
    expect(rendered.text).not.toMatch(/[0-9]/);
    expect(rendered.replyMarkup.inline_keyboard).toEqual([]);
  });

  it('renders the grouped Meta alert with crowd evidence in Bengali', () => {
    const crowd: Evidence = {
      kind: 'crowd',
      level: 'detected',
      reporters: 62,
      topProblem: { kind: 'sending', share: 0.62 },
    };
    const events = [
      event({ evidence: [crowd] }),
      event({ serviceId: 'instagram', serviceName: 'Instagram', incidentId: 13 }),
      event({ serviceId: 'messenger', serviceName: 'Messenger', incidentId: 14 }),
    ];
    const rendered = renderTelegramAlert(buildAlert(events, { locale: 'bn', timeZone: 'Asia/Dhaka' }));
    expect(rendered.text).toBe(
      [
        '🔴 <b>Meta সার্ভিস: Instagram, Messenger, WhatsApp কাজ করছে না</b>',
        '• Instagram: বন্ধ',
        '• Messenger: বন্ধ',
        '• WhatsApp — অনেক ব্যবহারকারী সমস্যার কথা জানাচ্ছেন: ৬২টি রিপোর্ট',
        '• WhatsApp — ৬২% রিপোর্টে: মেসেজ যাচ্ছে না',
        '',
        'শুরু: ১ জানু, রাত্রি ১০:৫০',
      ].join('\n'),
    );
  });

  it('escapes a hostile service name and a reason carrying HTML', () => {
    const hostile = event({
      serviceName: '<b>&"',
      evidence: [
        probe('<i>x</i>', 'assertion', 'keyword "<script>alert(1)</script>" not found'),
        {
          kind: 'official',
          monitorId: 'o',
          state: 'down',
          lines: ['<a href="https://evil.example">click</a> &amp;'],
        },
      ],
    });
    const { text } = renderTelegramAlert(buildAlert([hostile], ctx));
    expect(text).toBe(
      [
        '🔴 <b>&lt;b&gt;&amp;&quot; is down</b>',
        '• &lt;i&gt;x&lt;/i&gt;: unexpected page content (keyword &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; not found)',
        '• &lt;b&gt;&amp;&quot; says: &lt;a href=&quot;https://evil.example&quot;&gt;click&lt;/a&gt; &amp;amp;',
        '',
        'Started Jan 1, 10:50 PM',
      ].join('\n'),
    );
    expect(() => parseTelegramHtml(text)).not.toThrow();
  });

  it('stays within 4096 visible characters with a 10,000-character line and 100 lines', () => {
    const huge = probe('big.example', 'assertion', 'x'.repeat(10_000));
    const many = Array.from({ length: 100 }, (_, i) =>
      probe(`host-${i}.eu-west-1.edge.example-service.com`, 'http-status', `HTTP 50${i % 10}`),
    );
    const { text } = renderTelegramAlert(buildAlert([event({ evidence: [huge, ...many] })], ctx));
    const visible = parseTelegramHtml(text);
    expect(visible.length).toBeLessThanOrEqual(MAX_TELEGRAM_TEXT_CHARS);
    expect(visible.length).toBeGreaterThan(MAX_TELEGRAM_TEXT_CHARS - 100); // cut, not emptied
    expect(visible).toMatch(/\n… and \d+ more\n\nStarted Jan 1, 10:50 PM$/);
    expect(visible).toContain('• big.example: unexpected page content (xxxx');
  });

  it('cuts before escaping, so an entity is never split', () => {
    const alert = buildAlert([event({ evidence: [probe('h', 'assertion', '&'.repeat(5000))] })], ctx);
    const { text } = renderTelegramAlert(alert);
    expect(() => parseTelegramHtml(text)).not.toThrow();
    expect(text).toMatch(/(&amp;)+…/);
  });

  it('keeps callback data within 64 bytes for the longest ids, and resolvable', () => {
    const id = 'ঘ'.repeat(63);
    const alert = buildAlert([event({ serviceId: id })], ctx);
    const [[report, mute] = []] = renderTelegramAlert(alert).replyMarkup.inline_keyboard;
    for (const button of [report, mute]) {
      expect(bytes(button?.callback_data ?? '')).toBeLessThanOrEqual(MAX_TELEGRAM_CALLBACK_DATA_BYTES);
      expect(parseButtonPayload(button?.callback_data ?? '', [id, 'whatsapp'])?.serviceId).toBe(id);
    }
  });
});

describe('renderTelegramText', () => {
  it('breaks every @name a reply quotes with an invisible word joiner; a lone @ stays as it is', () => {
    expect(renderTelegramText('Added “@admin”: http://me@example.org/ @ @everyone')).toEqual([
      'Added “@\u2060admin”: http://me@\u2060example.org/ @ @\u2060everyone',
    ]);
  });

  it('escapes a command reply', () => {
    expect(renderTelegramText('Use /subscribe <service|all> & "go"')).toEqual([
      'Use /subscribe &lt;service|all&gt; &amp; &quot;go&quot;',
    ]);
    expect(escapeTelegramHtml('<&>"\'')).toBe("&lt;&amp;&gt;&quot;'");
  });

  it('splits long replies at line breaks into chunks of at most 4096 characters', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `• service ${i}: ${'ok '.repeat(10)}<up>`);
    const chunks = renderTelegramText(lines.join('\n'));
    expect(chunks.length).toBeGreaterThan(1);
    const visible = chunks.map(parseTelegramHtml);
    for (const chunk of visible) expect(chunk.length).toBeLessThanOrEqual(MAX_TELEGRAM_TEXT_CHARS);
    expect(visible.join('\n')).toBe(lines.join('\n'));
  });

  it('splits a single huge line between code points and drops blank chunks', () => {
    const chunks = renderTelegramText(`${'a'.repeat(4095)}😀${'b'.repeat(10)}`);
    expect(chunks).toEqual(['a'.repeat(4095), `😀${'b'.repeat(10)}`]);
    expect(renderTelegramText('')).toEqual([]);
    expect(renderTelegramText('\n\n')).toEqual([]);
  });
});

const SPECIALS = [
  '<',
  '>',
  '&',
  '"',
  '&amp;',
  '<b>',
  '</a>',
  '\u202e',
  '\u200f',
  '\u200b',
  '\u200d',
  '😀',
  '👩‍👩‍👧',
  '\ud800',
  '\udc00',
  '\n',
  '@everyone',
];
/** Hostile text: random Unicode (lone surrogates included), markup, bidi and zero-width characters, emoji. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(...SPECIALS),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.constantFrom('x'.repeat(5000), 'ব'.repeat(3000)),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

/** An alert whose every text field is hostile, bypassing buildAlert's own cleaning. */
const hostileAlert = fc
  .record({
    title: hostile,
    lines: fc.array(hostile, { maxLength: 120 }),
    sinceText: hostile,
    label: hostile,
    serviceId: fc.string({ unit: 'binary', maxLength: 63 }),
  })
  .map(({ title, lines, sinceText, label, serviceId }): AlertMessage => {
    const base = buildAlert([event({ serviceId })], { ...ctx, statusPageUrl: 'https://status.example.com/' });
    return {
      ...base,
      title,
      lines,
      sinceText,
      links: [{ label, url: 'https://status.example.com/"><b>' }],
      buttons: base.buttons.map((b) => ({ ...b, label })),
    };
  });

describe('renderTelegramAlert on hostile input', () => {
  it('always produces balanced HTML with our tags only, within 4096 visible characters', () => {
    fc.assert(
      fc.property(hostileAlert, (alert) => {
        const rendered = renderTelegramAlert(alert);
        const visible = parseTelegramHtml(rendered.text);
        expect(visible.length).toBeLessThanOrEqual(MAX_TELEGRAM_TEXT_CHARS);
        expect(visible).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
        for (const button of rendered.replyMarkup.inline_keyboard.flat()) {
          expect(bytes(button.callback_data)).toBeLessThanOrEqual(MAX_TELEGRAM_CALLBACK_DATA_BYTES);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('always splits replies into valid chunks within the limit', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        for (const chunk of renderTelegramText(text)) {
          expect(parseTelegramHtml(chunk).length).toBeLessThanOrEqual(MAX_TELEGRAM_TEXT_CHARS);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
