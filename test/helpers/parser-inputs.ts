/**
 * Inputs for the parser growth test and the `parse` bench: adversarial shapes (what a hostile or
 * broken status page can send) and realistic ones (captured fixtures scaled up), each built to
 * about `chars` characters.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StatusSourceKind } from '../../src/sources/registry.js';

/** Which parsers a shape is aimed at. `html` is `htmlToPlainText`; `xml` also `readFeed`. */
export type ShapeFamily = 'xml' | 'json' | 'html';

export interface InputShape {
  readonly name: string;
  readonly family: ShapeFamily;
  /** Only for this JSON source (its own payload layout); every JSON source when absent. */
  readonly kind?: StatusSourceKind;
  build(chars: number): string;
}

/** A fixed time inside every "recent" window: items dated just before it count as open. */
export const INPUT_NOW = Date.parse('2026-12-07T06:00:00Z');
const RECENT_RFC822 = 'Mon, 07 Dec 2026 05:30:00 GMT';
const RECENT_ISO = '2026-12-07T05:30:00Z';

const RSS_HEAD = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>';
const RSS_TAIL = '</channel></rss>';
const ATOM_HEAD = '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">';
const ATOM_TAIL = '</feed>';

/** `unit` repeated until `chars` is reached (at least once). */
export function repeatTo(unit: string, chars: number): string {
  return unit.repeat(Math.max(1, Math.ceil(chars / unit.length)));
}

/** `head` + `unit`… + `tail`, about `chars` long in all. */
function framed(head: string, unit: string, tail: string, chars: number): string {
  return head + repeatTo(unit, chars - head.length - tail.length) + tail;
}

const xml = (name: string, build: (chars: number) => string): InputShape => ({ name, family: 'xml', build });
const html = (name: string, unit: string): InputShape => ({
  name,
  family: 'html',
  build: (chars) => repeatTo(unit, chars),
});

/** Text that upstream JSON carries into `htmlToPlainText` (titles, update bodies), per source. */
export function jsonCarrying(kind: StatusSourceKind, text: string): string {
  switch (kind) {
    case 'statuspage':
      return JSON.stringify({
        status: { indicator: 'minor' },
        incidents: [
          {
            id: 'i1',
            name: text,
            status: 'investigating',
            impact: 'minor',
            incident_updates: [{ status: 'investigating', body: text, created_at: RECENT_ISO }],
          },
        ],
      });
    case 'incidentio':
      return JSON.stringify({
        ongoing_incidents: [
          { id: 'i1', name: text, status: 'investigating', current_worst_impact: 'degraded_performance' },
        ],
      });
    case 'slack':
      return JSON.stringify({
        status: 'active',
        active_incidents: [
          { id: 1, title: text, type: 'incident', status: 'active', notes: [{ body: text }] },
        ],
      });
    case 'google':
      return JSON.stringify([
        {
          id: 'i1',
          external_desc: text,
          begin: RECENT_ISO,
          severity: 'high',
          status_impact: 'SERVICE_OUTAGE',
          most_recent_update: { text, status: 'SERVICE_OUTAGE', when: RECENT_ISO },
        },
      ]);
    default:
      return text;
  }
}

/** A JSON document of `count` copies of `element` under `key` (or a top-level array). */
function jsonArrayOf(element: unknown, chars: number, wrap: (items: unknown[]) => unknown): string {
  const one = JSON.stringify(element).length + 1;
  const count = Math.max(1, Math.floor(chars / one));
  return JSON.stringify(wrap(Array.from({ length: count }, () => element)));
}

const STATUSPAGE_INCIDENT = {
  id: 'abc',
  name: 'Elevated errors',
  status: 'identified',
  impact: 'major',
  created_at: RECENT_ISO,
  updated_at: RECENT_ISO,
  shortlink: 'https://stspg.io/x',
  incident_updates: [
    {
      status: 'identified',
      body: 'We have <b>identified</b> the issue &amp; are fixing it.',
      created_at: RECENT_ISO,
    },
    { status: 'investigating', body: 'We are investigating.', created_at: '2026-12-07T05:00:00Z' },
  ],
  components: [{ id: 'c1', name: 'API' }],
};

/** Adversarial shapes: each is linear work for a linear parser and quadratic for a naive one. */
export const HOSTILE_SHAPES: readonly InputShape[] = [
  xml('unclosed <item> repeated', (n) => framed(RSS_HEAD, '<item>', '', n)),
  xml('unclosed <entry> repeated', (n) => framed(ATOM_HEAD, '<entry>', '', n)),
  xml('unclosed <item><title> repeated', (n) => framed(RSS_HEAD, '<item><title>', '', n)),
  xml('open tags without ">" in an item', (n) =>
    framed(`${RSS_HEAD}<item>`, '<title ', `</item>${RSS_TAIL}`, n),
  ),
  xml('unclosed <![CDATA[ repeated', (n) =>
    framed(`${RSS_HEAD}<item><title>`, '<![CDATA[', `</title></item>${RSS_TAIL}`, n),
  ),
  xml('unclosed <link repeated', (n) => framed(`${ATOM_HEAD}<entry>`, '<link ', `</entry>${ATOM_TAIL}`, n)),
  xml('long attribute list', (n) =>
    framed(`${ATOM_HEAD}<entry><link `, `rel="x" href='y `, `/></entry>${ATOM_TAIL}`, n),
  ),
  xml('& entity spam', (n) =>
    framed(
      `${RSS_HEAD}<item><pubDate>${RECENT_RFC822}</pubDate><title>`,
      '&amp;&#x;&#99999999999&a',
      `</title></item>${RSS_TAIL}`,
      n,
    ),
  ),
  xml('deep nesting', (n) => {
    const depth = Math.floor(n / 8);
    return `${RSS_HEAD}<item><description>${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</description></item>${RSS_TAIL}`;
  }),
  xml('no delimiters', (n) => framed(`${RSS_HEAD}<item><title>`, 'a', '', n)),
  xml('escaped <a repeated in a recent description', (n) =>
    framed(
      `${RSS_HEAD}<item><title>T</title><pubDate>${RECENT_RFC822}</pubDate><description>`,
      '&lt;a',
      `</description></item>${RSS_TAIL}`,
      n,
    ),
  ),
  xml('<strong> update labels repeated', (n) =>
    framed(
      `${RSS_HEAD}<item><title>T</title><pubDate>${RECENT_RFC822}</pubDate><description><![CDATA[`,
      '<strong>Update</strong> - <strong> x',
      `]]></description></item>${RSS_TAIL}`,
      n,
    ),
  ),
  xml('many recent items', (n) =>
    framed(
      RSS_HEAD,
      `<item><title>Service disruption: x</title><pubDate>${RECENT_RFC822}</pubDate>` +
        `<guid>http://status.aws.amazon.com/#s-r_1</guid><description>&lt;p&gt;&lt;strong&gt;Investigating` +
        `&lt;/strong&gt; - x&lt;/p&gt;</description></item>`,
      RSS_TAIL,
      n,
    ),
  ),
  { name: 'unclosed JSON string', family: 'json', build: (n) => `{"a":"${repeatTo('a', n)}` },
  { name: 'deep JSON nesting', family: 'json', build: (n) => '['.repeat(n >> 1) + ']'.repeat(n >> 1) },
  { name: 'JSON number spam', family: 'json', build: (n) => `[${repeatTo('1e999,', n)}0]` },
  { name: '<a repeated in JSON text', family: 'json', build: (n) => '<a'.repeat(n >> 1) },
  { name: '& entity spam in JSON text', family: 'json', build: (n) => repeatTo('&#x&amp', n) },
  {
    name: 'huge array of incidents',
    family: 'json',
    kind: 'statuspage',
    build: (n) =>
      jsonArrayOf(STATUSPAGE_INCIDENT, n, (incidents) => ({ status: { indicator: 'major' }, incidents })),
  },
  {
    name: 'huge array of incidents',
    family: 'json',
    kind: 'google',
    build: (n) =>
      jsonArrayOf(
        {
          id: 'g',
          external_desc: 'Errors <b>x</b>',
          begin: RECENT_ISO,
          status_impact: 'SERVICE_OUTAGE',
          most_recent_update: { text: 'We are <i>on it</i>.', status: 'SERVICE_OUTAGE', when: RECENT_ISO },
        },
        n,
        (items) => items,
      ),
  },
  {
    name: 'huge array of incidents',
    family: 'json',
    kind: 'slack',
    build: (n) =>
      jsonArrayOf(
        { id: 1, title: 'Trouble <b>x</b>', type: 'outage', status: 'active', notes: [{ body: 'Looking.' }] },
        n,
        (active_incidents) => ({ status: 'active', active_incidents }),
      ),
  },
  {
    name: 'huge array of incidents',
    family: 'json',
    kind: 'incidentio',
    build: (n) =>
      jsonArrayOf(
        { id: 'i', name: 'Errors <b>x</b>', status: 'investigating', current_worst_impact: 'full_outage' },
        n,
        (ongoing_incidents) => ({ ongoing_incidents }),
      ),
  },
  html('<a repeated', '<a'),
  html('<p repeated', '<p'),
  html('</ repeated', '</'),
  html('<!-- repeated', '<!--'),
  html('<script repeated', '<script'),
  html('<style><x repeated', '<style><x'),
  html('& repeated', '&'),
  html('&#x repeated', '&#x'),
  html('&amp without ; repeated', '&amp'),
  html('tags', '<a href="x">y</a><p>z</p>'),
  html('long attribute', '<a href="'),
  html('whitespace', ' \n\t'),
  html('no delimiters', 'a'),
];

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/status');

function fixture(relative: string): string {
  return readFileSync(path.join(FIXTURES, relative), 'utf8');
}

/** The items (or entries) of a captured feed, repeated between its own head and tail. */
function scaledFeed(relative: string, element: 'item' | 'entry', chars: number): string {
  const text = fixture(relative);
  const first = text.indexOf(`<${element}>`);
  const last = text.lastIndexOf(`</${element}>`) + `</${element}>`.length;
  return framed(text.slice(0, first), text.slice(first, last), text.slice(last), chars);
}

/** Captured payloads scaled up to `chars`: what a big but honest status page looks like. */
export const REALISTIC_INPUTS: readonly {
  name: string;
  kind: StatusSourceKind;
  build(chars: number): string;
}[] = [
  {
    name: 'Statuspage incidents.json',
    kind: 'statuspage',
    build: (n) => {
      const page = JSON.parse(fixture('statuspage/cloudflare_incidents_2018-09-17.json')) as {
        incidents: unknown[];
      };
      return jsonArrayOf(page.incidents[0], n, (incidents) => ({ ...page, incidents }));
    },
  },
  {
    name: 'Google incidents.json',
    kind: 'google',
    build: (n) => {
      const [incident] = JSON.parse(fixture('gcp/incidents_gcs_2021-07-27.json')) as unknown[];
      return jsonArrayOf(incident, n, (items) => items);
    },
  },
  {
    name: 'Slack current (active)',
    kind: 'slack',
    build: (n) => {
      const page = JSON.parse(fixture('slack/current_active_2020-07-30.json')) as {
        active_incidents: unknown[];
      };
      return jsonArrayOf(page.active_incidents[0], n, (active_incidents) => ({ ...page, active_incidents }));
    },
  },
  {
    name: 'incident.io widget summary',
    kind: 'incidentio',
    build: (n) => {
      const page = JSON.parse(fixture('incidentio/widget_api_summary_docs_example.json')) as {
        ongoing_incidents: unknown[];
      };
      return jsonArrayOf(page.ongoing_incidents[0], n, (ongoing_incidents) => ({
        ...page,
        ongoing_incidents,
      }));
    },
  },
  {
    name: 'AWS RSS',
    kind: 'aws-rss',
    build: (n) => scaledFeed('aws/ec2-ap-northeast-1_2019-08-23.rss', 'item', n),
  },
  {
    name: 'GitHub history.atom',
    kind: 'feed',
    build: (n) => scaledFeed('statuspage/github_history_2025-10-21.atom', 'entry', n),
  },
];
