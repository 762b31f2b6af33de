import { describe, expect, it } from 'vitest';
import type { OfficialIncident, OfficialSnapshot } from '../../src/core/official.js';
import { filterComponents } from '../../src/sources/component-filter.js';
import { describeOfficialEvidence, MAX_EVIDENCE_LINES } from '../../src/sources/official-evidence.js';
import { findStatusSource } from '../../src/sources/registry.js';
import { okResponse, readStatusFixture } from './status-fixtures.js';

const NOW = Date.parse('2026-10-09T12:00:00Z');

function fixtureSnapshot(file: string, kind: string): OfficialSnapshot {
  const snapshot = findStatusSource(kind)?.parse(okResponse(readStatusFixture(file), NOW));
  if (snapshot === undefined) throw new Error(`no source ${kind}`);
  return snapshot;
}

const GITHUB = fixtureSnapshot('statuspage/github_summary_incident_2022-11-25.json', 'statuspage');
const DOCS_EXAMPLE = fixtureSnapshot(
  'statuspage/docs_example_summary_major_with_maintenances.json',
  'statuspage',
);
const SLACK = fixtureSnapshot('slack/current_active_2020-07-30.json', 'slack');

function incident(overrides: Partial<OfficialIncident>): OfficialIncident {
  return {
    id: 'i',
    title: 'Something',
    phase: 'investigating',
    impact: 'degraded',
    componentIds: [],
    componentNames: [],
    isMaintenance: false,
    ...overrides,
  };
}

describe('filterComponents', () => {
  it('keeps only the named component and recomputes overall from it', () => {
    const filtered = filterComponents(GITHUB, ['git operations']);
    expect(filtered.components.map((c) => c.name)).toEqual(['Git Operations']);
    expect(filtered.overall).toBe('ok');
    expect(filtered.incidents).toEqual([]);
  });

  it('keeps incidents touching the named component', () => {
    const filtered = filterComponents(GITHUB, ['Packages', 'Actions']);
    expect(filtered.overall).toBe('partial_outage');
    expect(filtered.incidents.map((i) => i.title)).toEqual(['Incident with Packages and Pages']);
  });

  it('keeps incidents with no component information, which may concern anything', () => {
    const filtered = filterComponents(DOCS_EXAMPLE, ['API']);
    expect(filtered.overall).toBe('partial_outage');
    expect(filtered.incidents.map((i) => i.title)).toEqual(['Unplanned Database Outage', 'Web Tier Recycle']);
  });

  it('says unknown, naming what was asked for, when no component matches', () => {
    expect(filterComponents(GITHUB, ['Gits'])).toMatchObject({
      overall: 'unknown',
      components: [],
      problem: 'no component named "gits"',
    });
  });

  it('matches a group name as well as a component name', () => {
    const snapshot: OfficialSnapshot = {
      source: 'statuspage',
      overall: 'degraded',
      components: [
        { id: 'a', name: 'Frankfurt', severity: 'degraded', groupName: 'Europe' },
        { id: 'b', name: 'Ohio', severity: 'ok', groupName: 'Americas' },
      ],
      incidents: [],
    };
    expect(filterComponents(snapshot, ['europe'])).toMatchObject({
      overall: 'degraded',
      components: [{ id: 'a' }],
    });
  });

  it('filters sources without a component list by the names on their incidents', () => {
    const filtered = filterComponents(SLACK, ['notifications']);
    expect(filtered.incidents.map((i) => i.componentNames)).toEqual([['Notifications']]);
    expect(filtered.overall).toBe('partial_outage');
    expect(filterComponents(SLACK, ['Calls'])).toMatchObject({ overall: 'ok', incidents: [] });
  });

  it('returns the snapshot unchanged for no names or an unusable snapshot', () => {
    expect(filterComponents(GITHUB, [])).toBe(GITHUB);
    expect(filterComponents(GITHUB, ['  '])).toBe(GITHUB);
    const broken: OfficialSnapshot = {
      source: 'slack',
      overall: 'unknown',
      components: [],
      incidents: [],
      problem: 'HTTP 500',
    };
    expect(filterComponents(broken, ['Calls'])).toBe(broken);
  });
});

describe('describeOfficialEvidence', () => {
  it('names the phase and title of each open incident', () => {
    expect(describeOfficialEvidence('GitHub', GITHUB)).toEqual([
      'GitHub says: Investigating — Incident with Packages and Pages',
    ]);
    expect(describeOfficialEvidence('GitHub', DOCS_EXAMPLE)).toEqual([
      'GitHub says: Identified — Unplanned Database Outage',
      'GitHub says: Maintenance in progress — Web Tier Recycle',
    ]);
  });

  it('uses the impact when the source publishes no phase', () => {
    expect(describeOfficialEvidence('Slack', SLACK)).toEqual([
      'Slack says: Partial outage — We are investigating an issue with notification settings',
      "Slack says: Partial outage — We're looking into an issue with certain API calls",
    ]);
  });

  it('lists troubled components when there is no incident, and the all-clear when all is well', () => {
    const snapshot: OfficialSnapshot = {
      source: 'statuspage',
      overall: 'degraded',
      components: [
        { id: 'a', name: 'API', severity: 'ok' },
        { id: 'b', name: 'Webhooks', severity: 'degraded' },
      ],
      incidents: [],
    };
    expect(describeOfficialEvidence('GitHub', snapshot)).toEqual([
      'GitHub says: Degraded performance — Webhooks',
    ]);
    expect(describeOfficialEvidence('GitHub', { ...snapshot, overall: 'ok', components: [] })).toEqual([
      'GitHub says: all systems operational',
    ]);
    expect(
      describeOfficialEvidence('GitHub', { ...snapshot, overall: 'major_outage', components: [] }),
    ).toEqual(['GitHub says: Major outage']);
  });

  it('reports an unreadable page with its problem', () => {
    const broken: OfficialSnapshot = {
      source: 'slack',
      overall: 'unknown',
      components: [],
      incidents: [],
      problem: 'HTTP 504',
    };
    expect(describeOfficialEvidence('Slack', broken)).toEqual(['Slack status page unreadable: HTTP 504']);
  });

  it('caps the lines and summarises the rest', () => {
    const incidents = Array.from({ length: MAX_EVIDENCE_LINES + 2 }, (_, n) =>
      incident({ id: `${n}`, title: `T${n}` }),
    );
    const lines = describeOfficialEvidence('X', {
      source: 'feed',
      overall: 'degraded',
      components: [],
      incidents,
    });
    expect(lines).toHaveLength(MAX_EVIDENCE_LINES + 1);
    expect(lines.at(-1)).toBe('X says: 2 more incidents');
  });
});
