import { describe, expect, it } from 'vitest';
import type { IncidentPhase, OfficialSeverity, OfficialSnapshot } from '../../src/core/official.js';
import { MAX_OFFICIAL_TEXT_CHARS } from '../../src/sources/plain-text.js';
import { findStatusSource, STATUS_SOURCES } from '../../src/sources/registry.js';
import { kindForFixture, listStatusFixtures, okResponse, readStatusFixture } from './status-fixtures.js';

interface Expectation {
  /** The clock for feeds, which judge recency; JSON sources ignore it. */
  readonly now: string;
  readonly overall: OfficialSeverity;
  readonly componentCount: number;
  /** Every component that is not `ok`, by name. */
  readonly troubled: Readonly<Record<string, OfficialSeverity>>;
  readonly incidents: readonly (readonly [title: string, phase: IncidentPhase, impact: OfficialSeverity])[];
}

const ANY_TIME = '2026-10-09T12:00:00Z';

/** What each captured payload must say. A fixture missing here still gets the generic checks below. */
const EXPECTED: Readonly<Record<string, Expectation>> = {
  'statuspage/github_summary_incident_2022-11-25.json': {
    now: ANY_TIME,
    overall: 'degraded',
    componentCount: 11,
    troubled: { Packages: 'partial_outage' },
    incidents: [['Incident with Packages and Pages', 'investigating', 'partial_outage']],
  },
  'statuspage/claude_summary_2026-10-09_console_degraded.json': {
    now: ANY_TIME,
    overall: 'degraded',
    componentCount: 6,
    troubled: { 'Claude Console (platform.claude.com)': 'degraded' },
    incidents: [['Elevated errors on platform.claude.com', 'monitoring', 'partial_outage']],
  },
  'statuspage/docs_example_summary_major_with_maintenances.json': {
    now: ANY_TIME,
    overall: 'partial_outage',
    componentCount: 2,
    troubled: { API: 'partial_outage', 'Management Portal': 'major_outage' },
    incidents: [
      ['Unplanned Database Outage', 'identified', 'major_outage'],
      ['Web Tier Recycle', 'in_progress', 'maintenance'],
    ],
  },
  // Asana during an in-progress scheduled maintenance: the page said "Service Under Maintenance".
  'statuspage/asana_summary_maintenance_in_progress_trimmed.json': {
    ...quiet(0),
    overall: 'maintenance',
  },
  'statuspage/discord_summary_maintenance_in_progress_derived.json': {
    now: ANY_TIME,
    overall: 'maintenance',
    componentCount: 1,
    troubled: { 'South Korea': 'maintenance' },
    incidents: [['(ﾉ◕ヮ◕)ﾉ*:･ﾟ✧ Server Juice', 'in_progress', 'maintenance']],
  },
  // Instatus history.rss an hour after its newest incident was resolved: nothing open.
  'instatus/northflank_history_2026-09-25.rss': { ...quiet(0), now: '2026-09-25T17:00:00Z' },
  'statuspage/cloudflare_incidents_2018-09-17.json': quiet(0),
  'statuspage/discord_components_2022-02-15.json': quiet(1),
  'statuspage/discord_incidents_2022-02-15.json': quiet(0),
  'statuspage/discord_incidents_unresolved_empty.json': quiet(0),
  'statuspage/discord_scheduled_maintenances.json': quiet(0),
  'statuspage/discord_status_none.json': quiet(0),
  'statuspage/discord_summary_operational.json': quiet(1),
  'statuspage/github_history_2025-10-21.atom': { ...quiet(0), now: '2025-10-21T21:00:00Z' },
  'statuspage/staffbase_history_2021-12.rss': { ...quiet(0), now: '2021-12-23T12:00:00Z' },
  'incidentio/openai_api_v2_summary_2026-10-09_operational.json': quiet(25),
  'incidentio/widget_api_summary_docs_example.json': {
    now: ANY_TIME,
    overall: 'partial_outage',
    componentCount: 0,
    troubled: {},
    incidents: [
      ['Login failing for some users', 'identified', 'partial_outage'],
      ['Database upgrade', 'in_progress', 'maintenance'],
    ],
  },
  'slack/current_active_2020-07-30.json': {
    now: ANY_TIME,
    overall: 'partial_outage',
    componentCount: 0,
    troubled: {},
    incidents: [
      ['We are investigating an issue with notification settings', 'unknown', 'partial_outage'],
      ["We're looking into an issue with certain API calls", 'unknown', 'partial_outage'],
    ],
  },
  'slack/current_ok_docs_example.json': quiet(0),
  'gcp/incidents_gcs_2021-07-27.json': {
    now: ANY_TIME,
    overall: 'partial_outage',
    componentCount: 0,
    troubled: {},
    incidents: [
      ['us-central1: GCS is returning stale version of object for bucket', 'unknown', 'partial_outage'],
    ],
  },
  // Mid-event: the newest item before this clock is "Service degradation" (01:54 PDT).
  'aws/ec2-ap-northeast-1_2019-08-23.rss': {
    now: '2019-08-23T09:00:00Z',
    overall: 'partial_outage',
    componentCount: 0,
    troubled: {},
    incidents: [['Instance Availability', 'unknown', 'partial_outage']],
  },
};

function quiet(componentCount: number): Expectation {
  return { now: ANY_TIME, overall: 'ok', componentCount, troubled: {}, incidents: [] };
}

function summarise(snapshot: OfficialSnapshot): Omit<Expectation, 'now'> {
  return {
    overall: snapshot.overall,
    componentCount: snapshot.components.length,
    troubled: Object.fromEntries(
      snapshot.components.filter((c) => c.severity !== 'ok').map((c) => [c.name, c.severity]),
    ),
    incidents: snapshot.incidents.map((i) => [i.title, i.phase, i.impact] as const),
  };
}

const fixtures = listStatusFixtures();

describe('captured status payloads', () => {
  it('finds the shared fixture directory with its payloads', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(Object.keys(EXPECTED).length + 1);
  });

  it.each(fixtures.filter((file) => kindForFixture(file) !== undefined))(
    '%s parses to a usable snapshot',
    (file) => {
      const kind = kindForFixture(file) ?? 'statuspage';
      const expected = EXPECTED[file];
      const now = Date.parse(expected?.now ?? ANY_TIME);
      const snapshot = findStatusSource(kind)?.parse(okResponse(readStatusFixture(file), now));
      expect(snapshot?.source).toBe(kind);
      expect(snapshot?.problem).toBeUndefined();
      expect(snapshot?.overall).not.toBe('unknown');
      if (expected && snapshot) {
        const { now: _now, ...rest } = expected;
        expect(summarise(snapshot)).toEqual(rest);
      }
    },
  );

  it.each(fixtures)('%s never throws and stays within the model under every parser', (file) => {
    const body = readStatusFixture(file);
    for (const source of STATUS_SOURCES) {
      const snapshot = source.parse(okResponse(body, Date.parse(ANY_TIME)));
      expect(snapshot.overall === 'unknown' || snapshot.problem === undefined).toBe(true);
      for (const incident of snapshot.incidents) {
        expect(incident.title.length).toBeLessThanOrEqual(MAX_OFFICIAL_TEXT_CHARS);
        expect(incident.lastMessage ?? '').not.toMatch(/<\/?[a-z]+[^>]*>|&[a-z]+;/i);
      }
    }
  });

  it("refuses Signal's HTML status page in every parser, saying why", () => {
    const body = readStatusFixture('signal/status_signal_org_outage_2021-01-16.html');
    const problems = STATUS_SOURCES.map(
      (source) => source.parse(okResponse(body, Date.parse(ANY_TIME), 'text/html; charset=utf-8')).problem,
    );
    expect(problems).toEqual([
      'not JSON (text/html)',
      'not JSON (text/html)',
      'not JSON (text/html)',
      'not JSON (text/html)',
      'not an RSS or Atom feed (text/html)',
      'not an RSS or Atom feed (text/html)',
    ]);
  });
});

describe('details taken from the captured payloads', () => {
  const parse = (file: string, kind: string, now = ANY_TIME) =>
    findStatusSource(kind)?.parse({ ...okResponse(readStatusFixture(file), Date.parse(now)) });

  it("keeps GitHub's incident link, dates, components and newest update", () => {
    const incident = parse('statuspage/github_summary_incident_2022-11-25.json', 'statuspage')?.incidents[0];
    expect(incident).toMatchObject({
      id: 'ljwdk6qml8z8',
      url: 'https://stspg.io/33vh8r7z43kh',
      startedAt: '2022-11-25T14:39:09.542Z',
      componentIds: ['st3j38cctv9l', 'vg70hn9s2tyj'],
      componentNames: ['Packages', 'Pages'],
      lastMessage:
        'Packages is now experiencing degraded performance. We are still investigating and will provide an update when we have one.',
      isMaintenance: false,
    });
  });

  it('names the groups of grouped Statuspage components', () => {
    const snapshot = parse('statuspage/discord_summary_operational.json', 'statuspage');
    // The group row itself is not in the payload, so the child keeps no group name.
    expect(snapshot?.components).toEqual([{ id: 'qk867vbbh84x', name: 'South Korea', severity: 'ok' }]);
    expect(snapshot?.pageUpdatedAt).toBe('2022-02-15T13:37:37.407-08:00');
  });

  it('names the affected Google products and resolves the relative incident link', () => {
    const body = readStatusFixture('gcp/incidents_gcs_2021-07-27.json');
    const snapshot = findStatusSource('google')?.parse({
      ...okResponse(body, Date.parse(ANY_TIME)),
      sourceUrl: 'https://status.cloud.google.com/incidents.json',
    });
    expect(snapshot?.incidents[0]).toMatchObject({
      componentNames: ['Google Cloud Storage'],
      url: 'https://status.cloud.google.com/incidents/MfiGCW4E26MPGRnCJ8by',
      startedAt: '2021-07-27T17:35:27+00:00',
    });
    expect(snapshot?.incidents[0]?.lastMessage).toMatch(/^The issue with Google Cloud Storage is believed/);
  });

  it('reads the English half of bilingual AWS titles and dates the event from its first item', () => {
    const incident = parse('aws/ec2-ap-northeast-1_2019-08-23.rss', 'aws-rss', '2019-08-23T09:00:00Z')
      ?.incidents[0];
    expect(incident).toMatchObject({
      title: 'Instance Availability',
      startedAt: '2019-08-23T04:18:32.000Z',
      updatedAt: '2019-08-23T08:54:51.000Z',
      componentNames: ['ec2-ap-northeast-1'],
    });
  });

  it('sees AWS back to normal once "Service is operating normally" is posted', () => {
    const snapshot = parse('aws/ec2-ap-northeast-1_2019-08-23.rss', 'aws-rss', '2019-08-23T12:00:00Z');
    expect(snapshot).toMatchObject({
      overall: 'ok',
      incidents: [],
      pageUpdatedAt: '2019-08-23T11:18:35.000Z',
    });
  });
});
