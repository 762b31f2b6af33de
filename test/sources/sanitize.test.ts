import { describe, expect, it } from 'vitest';
import type { OfficialSnapshot } from '../../src/core/official.js';
import { parseStatusResponse } from '../../src/sources/parse-status.js';
import { STATUS_SOURCES } from '../../src/sources/registry.js';
import { cleanText } from '../../src/sources/sanitize.js';
import { okResponse } from './status-fixtures.js';

const NOW = Date.parse('2026-10-09T12:00:00Z');

/** Every bidi override, isolate and mark the brief names, plus a few control characters. */
const HOSTILE = [
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200E',
  '\u200F',
  '\u061C',
  '\u0000',
  '\u0007',
  '\u001B',
  '\u007F',
  '\u0085',
  '\u2028',
];
// eslint-disable-next-line no-control-regex -- the characters under test
const FORBIDDEN = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]/;

/** `Elevated<x>errors` with every hostile character, raw in JSON. */
const dirty = (word: string) => HOSTILE.map((c) => `${word}${c}`).join('') + word;

function texts(snapshot: OfficialSnapshot): string[] {
  return [
    ...snapshot.components.flatMap((c) => [c.name, c.groupName ?? '']),
    ...snapshot.incidents.flatMap((i) => [i.title, i.lastMessage ?? '', ...i.componentNames]),
    snapshot.problem ?? '',
  ];
}

describe('text sanitising', () => {
  it('cleanText strips bidi controls and control characters, keeping the words apart where needed', () => {
    expect(cleanText('\u202Egnp.exe\u202C harmless')).toBe('gnp.exe harmless');
    expect(cleanText('line one\nline\ttwo\u0000')).toBe('line one line two');
    expect(cleanText('\u2067שלום\u2069 world')).toBe('שלום world');
    // Emoji sequences keep their joiners.
    expect(cleanText('👩\u200D💻 ok')).toBe('👩\u200D💻 ok');
  });

  const statuspage = {
    page: { id: 'p', name: 'P', updated_at: '2026-10-09T11:00:00Z' },
    status: { indicator: 'minor', description: 'x' },
    components: [
      { id: 'g', name: dirty('Group'), status: 'operational', group: true },
      { id: 'c', name: dirty('API'), status: 'degraded_performance', group: false, group_id: 'g' },
    ],
    incidents: [
      {
        id: 'i',
        name: dirty('Elevated'),
        status: 'investigating',
        impact: 'minor',
        incident_updates: [
          { status: 'investigating', body: dirty('Looking'), created_at: '2026-10-09T11:00:00Z' },
        ],
        components: [{ id: 'c', name: dirty('API') }],
      },
    ],
  };
  const slack = {
    status: 'active',
    date_updated: '2026-10-09T11:00:00Z',
    active_incidents: [
      {
        id: 1,
        title: dirty('Slow'),
        type: 'incident',
        status: 'active',
        services: [dirty('Messaging')],
        notes: [{ date_created: '2026-10-09T11:00:00Z', body: dirty('Note') }],
      },
    ],
  };
  const google = [
    {
      id: 'g1',
      external_desc: dirty('Disruption'),
      begin: '2026-10-09T10:00:00+00:00',
      service_name: dirty('Cloud Storage'),
      most_recent_update: { text: dirty('Working'), status: 'SERVICE_DISRUPTION' },
    },
  ];
  const incidentio = {
    page_title: 'P',
    ongoing_incidents: [
      {
        id: 'x',
        name: dirty('Down'),
        status: 'investigating',
        current_worst_impact: 'partial_outage',
        last_update_message: dirty('Checking'),
        affected_components: [{ id: 'c', name: dirty('Dashboard') }],
      },
    ],
  };
  // Character references survive XML decoding and HTML decoding: clean after both.
  const feed =
    '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>' +
    `<title>${dirty('Outage')}&amp;#x202E;x</title>` +
    '<description>&lt;p&gt;&lt;strong&gt;Investigating&lt;/strong&gt; - We\u2067 are &amp;#8238;looking&lt;/p&gt;</description>' +
    `<pubDate>${new Date(NOW - 60_000).toUTCString()}</pubDate><guid>a</guid></item></channel></rss>`;

  it.each([
    ['statuspage', JSON.stringify(statuspage)],
    ['slack', JSON.stringify(slack)],
    ['google', JSON.stringify(google)],
    ['incidentio', JSON.stringify(incidentio)],
    ['feed', feed],
  ] as const)('%s: no bidi or control character in any text the parser outputs', (kind, body) => {
    for (const snapshot of [
      STATUS_SOURCES.find((s) => s.kind === kind)!.parse(okResponse(body, NOW)),
      parseStatusResponse(okResponse(body, NOW), 'auto'),
    ]) {
      expect(snapshot.incidents.length).toBeGreaterThan(0);
      for (const text of texts(snapshot)) expect(text).not.toMatch(FORBIDDEN);
    }
  });

  it('keeps the words of a cleaned title', () => {
    const snapshot = parseStatusResponse(okResponse(JSON.stringify(statuspage), NOW), 'statuspage');
    expect(snapshot.incidents[0]?.title).toMatch(/^Elevated( ?Elevated)+$/);
    expect(snapshot.components[0]).toMatchObject({ groupName: expect.stringMatching(/^Group/) });
  });

  it('cleans upstream values quoted in a problem', () => {
    const snapshot = parseStatusResponse(
      okResponse(JSON.stringify({ status: { indicator: 'weird\u202Eeulav' } }), NOW),
      'auto',
    );
    expect(snapshot.problem).toBe('unrecognised status.indicator "weirdeulav"');
  });
});
