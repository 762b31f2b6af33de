import { describe, expect, it } from 'vitest';
import { findStatusSource } from '../../src/sources/registry.js';
import { okResponse } from './status-fixtures.js';

const NOW = Date.parse('2026-10-09T12:00:00Z');

function overallOf(kind: string, payload: unknown): string | undefined {
  return findStatusSource(kind)?.parse(okResponse(JSON.stringify(payload), NOW)).overall;
}

/** The mapping tables of docs/status-sources.md, value by value. */
describe('severity mapping (docs/status-sources.md)', () => {
  it.each([
    ['none', 'ok'],
    ['minor', 'degraded'],
    ['major', 'partial_outage'],
    ['critical', 'major_outage'],
    ['maintenance', 'maintenance'],
    ['MAJOR', 'partial_outage'],
  ])('Statuspage indicator %s → %s', (indicator, overall) => {
    expect(overallOf('statuspage', { status: { indicator } })).toBe(overall);
  });

  it.each([
    ['operational', 'ok'],
    ['degraded_performance', 'degraded'],
    ['partial_outage', 'partial_outage'],
    ['major_outage', 'major_outage'],
    ['under_maintenance', 'maintenance'],
  ])('Statuspage component %s → %s', (status, severity) => {
    const snapshot = findStatusSource('statuspage')?.parse(
      okResponse(JSON.stringify({ components: [{ id: 'c', name: 'C', status }] }), NOW),
    );
    expect(snapshot?.components[0]?.severity).toBe(severity);
    expect(snapshot?.overall).toBe(severity);
  });

  it('skips group rows when aggregating and lends their name to the children', () => {
    const snapshot = findStatusSource('statuspage')?.parse(
      okResponse(
        JSON.stringify({
          components: [
            { id: 'g', name: 'Europe', status: 'major_outage', group: true },
            { id: 'c', name: 'Frankfurt', status: 'degraded_performance', group: false, group_id: 'g' },
          ],
        }),
        NOW,
      ),
    );
    expect(snapshot?.components).toEqual([
      { id: 'c', name: 'Frankfurt', severity: 'degraded', groupName: 'Europe' },
    ]);
    expect(snapshot?.overall).toBe('degraded');
  });

  it('says maintenance, not ok, when the indicator is none but a component is under maintenance', () => {
    const payload = {
      status: { indicator: 'none' },
      components: [{ id: 'c', name: 'C', status: 'under_maintenance' }],
    };
    expect(overallOf('statuspage', payload)).toBe('maintenance');
  });

  it('trusts the indicator over one component in major outage', () => {
    const payload = {
      status: { indicator: 'minor' },
      components: [{ id: 'c', name: 'C', status: 'major_outage' }],
    };
    expect(overallOf('statuspage', payload)).toBe('degraded');
  });

  it.each([
    ['operational', 'ok'],
    ['degraded_performance', 'degraded'],
    ['partial_outage', 'partial_outage'],
    ['full_outage', 'major_outage'],
  ])('incident.io impact %s → %s', (impact, overall) => {
    const payload = {
      ongoing_incidents: [{ id: '1', name: 'N', status: 'investigating', current_worst_impact: impact }],
    };
    expect(overallOf('incidentio', payload)).toBe(overall);
  });

  it.each([
    ['outage', 'major_outage'],
    ['incident', 'partial_outage'],
    ['notice', 'degraded'],
    ['maintenance', 'maintenance'],
  ])('Slack type %s → %s', (type, overall) => {
    const payload = { status: 'active', active_incidents: [{ id: 1, title: 'T', type, status: 'active' }] };
    expect(overallOf('slack', payload)).toBe(overall);
  });

  it.each([
    ['SERVICE_OUTAGE', 'major_outage'],
    ['SERVICE_DISRUPTION', 'partial_outage'],
    ['SERVICE_INFORMATION', 'degraded'],
    ['AVAILABLE', 'ok'],
  ])('Google status %s → %s', (status, overall) => {
    const payload = [{ id: 'g', external_desc: 'D', most_recent_update: { status, text: 'x' } }];
    expect(overallOf('google', payload)).toBe(overall);
  });

  it('ignores Google incidents that have ended', () => {
    const payload = [
      { id: 'g', external_desc: 'D', status_impact: 'SERVICE_OUTAGE', end: '2021-07-28T00:00:00+00:00' },
    ];
    expect(overallOf('google', payload)).toBe('ok');
  });
});
