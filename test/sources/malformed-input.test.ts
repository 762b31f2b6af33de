import { describe, expect, it } from 'vitest';
import { OFFICIAL_SEVERITIES } from '../../src/core/official.js';
import { findStatusSource, STATUS_SOURCES } from '../../src/sources/registry.js';
import type { StatusSourceKind } from '../../src/sources/registry.js';
import { MAX_BODY_CHARS } from '../../src/sources/upstream-payload.js';
import { readStatusFixture } from './status-fixtures.js';

const NOW = Date.parse('2026-10-09T12:00:00Z');

/** A real payload per kind, the starting point for every broken variant. */
const SAMPLES: Readonly<Record<StatusSourceKind, string>> = {
  statuspage: 'statuspage/github_summary_incident_2022-11-25.json',
  incidentio: 'incidentio/widget_api_summary_docs_example.json',
  slack: 'slack/current_active_2020-07-30.json',
  google: 'gcp/incidents_gcs_2021-07-27.json',
  'aws-rss': 'aws/ec2-ap-northeast-1_2019-08-23.rss',
  feed: 'statuspage/github_history_2025-10-21.atom',
};

const JSON_KINDS: ReadonlySet<StatusSourceKind> = new Set(['statuspage', 'incidentio', 'slack', 'google']);

function parse(kind: StatusSourceKind, body: string, httpStatus = 200, contentType = 'application/json') {
  const source = findStatusSource(kind);
  if (source === undefined) throw new Error(`no source ${kind}`);
  return source.parse({ httpStatus, contentType, body, now: NOW });
}

const HTML_ERROR_PAGE =
  '<!DOCTYPE html><html><head><title>504 Gateway Time-out</title></head><body><h1>504</h1></body></html>';

describe.each(STATUS_SOURCES.map((source) => source.kind))('%s parser on broken input', (kind) => {
  const sample = readStatusFixture(SAMPLES[kind]);

  it('reports a non-200 response as unknown with the status code, even with a good body', () => {
    expect(parse(kind, sample, 500)).toEqual({
      source: kind,
      overall: 'unknown',
      components: [],
      incidents: [],
      problem: 'HTTP 500',
    });
    expect(parse(kind, sample, 504).problem).toBe('HTTP 504');
  });

  it('reports an HTML error page served with status 200', () => {
    const snapshot = parse(kind, HTML_ERROR_PAGE, 200, 'text/html');
    expect(snapshot.overall).toBe('unknown');
    expect(snapshot.problem).toMatch(/^not (JSON|an RSS or Atom feed) \(text\/html\)$/);
  });

  it('never throws and never says ok when the body is cut short', () => {
    const cuts = [0, 1, 17, Math.floor(sample.length / 3), Math.floor(sample.length / 2), sample.length - 2];
    for (const cut of cuts) {
      const snapshot = parse(kind, sample.slice(0, cut));
      expect(OFFICIAL_SEVERITIES).toContain(snapshot.overall);
      if (JSON_KINDS.has(kind))
        expect(snapshot).toMatchObject({ overall: 'unknown', problem: expect.any(String) });
    }
  });

  it('refuses a body larger than the cap without reading it', () => {
    const snapshot = parse(kind, ' '.repeat(MAX_BODY_CHARS + 1));
    expect(snapshot.problem).toBe(`body too large (${MAX_BODY_CHARS + 1} chars)`);
  });

  it('reports the wrong kind of document', () => {
    const other =
      kind === 'feed' || kind === 'aws-rss' ? '{"status":"ok"}' : '<rss><channel></channel></rss>';
    expect(parse(kind, other).overall).toBe('unknown');
  });
});

describe('JSON sources on the wrong shape', () => {
  it.each([
    ['statuspage', '{}', 'unexpected shape: no status, components, incidents or scheduled_maintenances'],
    ['statuspage', '[]', 'unexpected shape: expected object, received array'],
    ['statuspage', '{"status":{"indicator":2}}', 'unexpected shape: status.indicator'],
    [
      'statuspage',
      '{"components":[{"id":"a","name":"API","status":3}]}',
      'unexpected shape: components[0].status',
    ],
    [
      'statuspage',
      '{"incidents":[{"id":"a","status":"investigating"}]}',
      'unexpected shape: incidents[0].name',
    ],
    [
      'incidentio',
      '{}',
      'unexpected shape: no ongoing_incidents, in_progress_maintenances or scheduled_maintenances',
    ],
    ['incidentio', '{"ongoing_incidents":{}}', 'unexpected shape: ongoing_incidents'],
    ['slack', '{}', 'unexpected shape: status'],
    ['slack', '{"status":"ok","active_incidents":[{"id":1}]}', 'unexpected shape: active_incidents[0].title'],
    ['google', '{}', 'unexpected shape: expected array, received object'],
    ['google', '[{"id":"x","external_desc":5}]', 'unexpected shape: [0].external_desc'],
    ['statuspage', 'null', 'unexpected shape: expected object, received null'],
    ['slack', '{"status":"ok"', 'not JSON (application/json)'],
  ] as const)('%s %s → %s', (kind, body, problem) => {
    expect(parse(kind, body)).toEqual({
      source: kind,
      overall: 'unknown',
      components: [],
      incidents: [],
      problem,
    });
  });

  it('reads a body that starts with a byte-order mark', () => {
    expect(parse('slack', '\uFEFF{"status":"ok","active_incidents":[]}').overall).toBe('ok');
  });
});

describe('unknown vocabulary is never read as ok', () => {
  it('marks an unrecognised Statuspage indicator unknown and names it', () => {
    const snapshot = parse('statuspage', '{"status":{"indicator":"banana"},"components":[]}');
    expect(snapshot).toMatchObject({ overall: 'unknown', problem: 'unrecognised status.indicator "banana"' });
  });

  it('reads the maintenance indicator real pages send during a maintenance as maintenance', () => {
    expect(parse('statuspage', '{"status":{"indicator":"maintenance"}}').overall).toBe('maintenance');
  });

  it('marks an unrecognised component status unknown, and unknown beats ok when aggregating', () => {
    const body = JSON.stringify({
      components: [
        { id: 'a', name: 'API', status: 'operational' },
        { id: 'b', name: 'Web', status: 'on_fire' },
      ],
    });
    const snapshot = parse('statuspage', body);
    expect(snapshot.components.map((c) => c.severity)).toEqual(['ok', 'unknown']);
    expect(snapshot).toMatchObject({ overall: 'unknown', problem: 'unrecognised status of component "Web"' });
  });

  it('does not let an inherited property name pass as a known value', () => {
    expect(parse('statuspage', '{"status":{"indicator":"constructor"}}').overall).toBe('unknown');
  });

  it('keeps an incident with an unrecognised status open, with an unknown phase', () => {
    const body = JSON.stringify({
      status: { indicator: 'minor' },
      incidents: [{ id: 'i', name: 'Odd', status: 'escalated', impact: 'weird' }],
    });
    expect(parse('statuspage', body).incidents).toMatchObject([{ phase: 'unknown', impact: 'unknown' }]);
  });

  it('marks unknown incident.io impacts, Slack types and Google statuses unknown', () => {
    const widget =
      '{"ongoing_incidents":[{"id":"1","name":"X","status":"investigating","current_worst_impact":"meh"}]}';
    expect(parse('incidentio', widget)).toMatchObject({
      overall: 'unknown',
      problem: expect.stringContaining('"X"'),
    });
    const slack =
      '{"status":"active","active_incidents":[{"id":1,"title":"Y","type":"meteor","status":"active"}]}';
    expect(parse('slack', slack)).toMatchObject({
      overall: 'unknown',
      problem: expect.stringContaining('"Y"'),
    });
    const google = '[{"id":"g","external_desc":"Z","status_impact":"SERVICE_ON_FIRE"}]';
    expect(parse('google', google)).toMatchObject({
      overall: 'unknown',
      problem: expect.stringContaining('"Z"'),
    });
  });

  it('marks an unrecognised Slack page status unknown', () => {
    expect(parse('slack', '{"status":"sunny"}')).toMatchObject({
      overall: 'unknown',
      problem: 'unrecognised status "sunny"',
    });
  });

  it('reads Slack "active" with no incidents listed as degraded, not ok', () => {
    expect(parse('slack', '{"status":"active","active_incidents":[]}').overall).toBe('degraded');
  });
});

describe('huge bodies', () => {
  it('parses a multi-megabyte Google history, keeping only the ongoing incidents', () => {
    const ended = Array.from({ length: 20_000 }, (_, n) => ({
      id: `old-${n}`,
      external_desc: `Old incident ${n} `.repeat(5),
      begin: '2020-01-01T00:00:00+00:00',
      end: '2020-01-01T01:00:00+00:00',
      status_impact: 'SERVICE_OUTAGE',
    }));
    const ongoing = { id: 'now', external_desc: 'Gmail is slow', status_impact: 'SERVICE_INFORMATION' };
    const body = JSON.stringify([...ended, ongoing]);
    expect(body.length).toBeGreaterThan(2_000_000);
    const snapshot = parse('google', body);
    expect(snapshot.overall).toBe('degraded');
    expect(snapshot.incidents.map((i) => i.id)).toEqual(['now']);
  });

  it('reads a multi-megabyte feed item without choking and truncates its text', () => {
    const huge = 'x'.repeat(3_000_000);
    const body = `<rss><channel><item><title>Investigating: Big ${huge}</title><description>&lt;p&gt;${huge}&lt;/p&gt;</description><pubDate>${new Date(NOW).toUTCString()}</pubDate><guid>big</guid></item></channel></rss>`;
    const snapshot = parse('feed', body, 200, 'application/rss+xml');
    expect(snapshot.incidents).toHaveLength(1);
    expect(snapshot.incidents[0]?.title.length).toBe(500);
    expect(snapshot.incidents[0]?.lastMessage?.length).toBe(500);
  });

  it('reports several megabytes of garbage as not JSON', () => {
    expect(parse('statuspage', '{'.repeat(3_000_000)).problem).toBe('not JSON (application/json)');
  });
});
