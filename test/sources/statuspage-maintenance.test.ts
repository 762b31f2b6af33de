import { describe, expect, it } from 'vitest';
import { parseStatusResponse } from '../../src/sources/parse-status.js';
import { statuspageSource } from '../../src/sources/statuspage-source.js';
import { okResponse, readStatusFixture } from './status-fixtures.js';

const NOW = Date.parse('2026-10-09T12:00:00Z');
const parse = (payload: unknown) => statuspageSource.parse(okResponse(JSON.stringify(payload), NOW));

describe('Statuspage during a maintenance', () => {
  it('reads Asana’s real "Service Under Maintenance" summary as maintenance, auto-detected too', () => {
    const body = readStatusFixture('statuspage/asana_summary_maintenance_in_progress_trimmed.json');
    expect(statuspageSource.parse(okResponse(body, NOW))).toEqual({
      source: 'statuspage',
      overall: 'maintenance',
      components: [],
      incidents: [],
    });
    expect(parseStatusResponse(okResponse(body, NOW), 'auto').overall).toBe('maintenance');
  });

  it('reads a component under maintenance and an in-progress maintenance as maintenance', () => {
    const body = readStatusFixture('statuspage/discord_summary_maintenance_in_progress_derived.json');
    const snapshot = statuspageSource.parse(okResponse(body, NOW));
    expect(snapshot.overall).toBe('maintenance');
    expect(snapshot.components).toEqual([
      { id: 'qk867vbbh84x', name: 'South Korea', severity: 'maintenance' },
    ]);
    expect(snapshot.incidents[0]).toMatchObject({
      phase: 'in_progress',
      impact: 'maintenance',
      isMaintenance: true,
      componentIds: ['qk867vbbh84x'],
      lastMessage: 'Maintenance has started! We will be back as soon as possible.',
    });
  });

  it('never lets a maintenance hide something actually broken', () => {
    const status = { indicator: 'maintenance', description: 'Service Under Maintenance' };
    const broken = {
      status,
      components: [
        { id: 'a', name: 'API', status: 'under_maintenance' },
        { id: 'b', name: 'Web', status: 'major_outage' },
      ],
    };
    expect(parse(broken).overall).toBe('major_outage');
    const incident = { id: 'i', name: 'Logins failing', status: 'investigating', impact: 'major' };
    expect(parse({ status, components: [], incidents: [incident] }).overall).toBe('partial_outage');
  });

  it('reads a minor indicator raised only by a maintenance as maintenance', () => {
    const components = [{ id: 'a', name: 'API', status: 'under_maintenance' }];
    const maintenance = { id: 'm', name: 'Upgrade', status: 'in_progress', impact: 'maintenance' };
    expect(parse({ status: { indicator: 'minor', description: 'Service Under Maintenance' } }).overall).toBe(
      'maintenance',
    );
    expect(
      parse({
        status: { indicator: 'minor', description: 'Minor Service Outage' },
        components,
        incidents: [],
        scheduled_maintenances: [maintenance],
      }).overall,
    ).toBe('maintenance');
  });

  it('keeps a minor indicator degraded when something is degraded or when it cannot tell', () => {
    const status = { indicator: 'minor', description: 'Minor Service Outage' };
    const components = [
      { id: 'a', name: 'API', status: 'under_maintenance' },
      { id: 'b', name: 'Web', status: 'degraded_performance' },
    ];
    expect(parse({ status, components, incidents: [] }).overall).toBe('degraded');
    // status.json alone: nothing to say the indicator came from a maintenance.
    expect(parse({ status }).overall).toBe('degraded');
    // Components without incidents: an incident may be what raised the indicator.
    expect(parse({ status, components: [components[0]] }).overall).toBe('degraded');
  });

  it('does not count a scheduled (not yet started) maintenance', () => {
    const scheduled = { id: 'm', name: 'Upgrade', status: 'scheduled', impact: 'maintenance' };
    const snapshot = parse({
      status: { indicator: 'none' },
      components: [],
      incidents: [],
      scheduled_maintenances: [scheduled],
    });
    expect(snapshot).toMatchObject({ overall: 'ok', incidents: [] });
  });
});
