import { describe, expect, it } from 'vitest';
import { parseServices } from '../../src/config/services-file.js';
import { silentStandIns, waitsOnSilence } from '../../src/demo/replay.js';
import { FOUNDING_SCENARIO, fillPlaceholders, loadScenario, standInStates } from '../../src/demo/scenario.js';

describe('which replay checks get the short timeout', () => {
  const scenario = loadScenario(FOUNDING_SCENARIO);
  const tlsPorts = {};
  const yaml = fillPlaceholders(scenario.servicesYaml, scenario.standIns, {
    httpBase: 'http://127.0.0.1:4000',
    httpPort: 4000,
    dnsResolver: '127.0.0.1:5300',
    tlsPorts,
    caPath: '/nonexistent/ca.pem',
  });
  const monitors = parseServices(yaml, scenario.servicesSource).monitors;
  const waiting = (at: string) => {
    const silent = silentStandIns(scenario, standInStates(scenario, Date.parse(at)), tlsPorts);
    return monitors.filter((m) => waitsOnSilence(m, silent)).map((m) => m.id);
  };

  it('none before the outage: every stand-in answers', () => {
    expect(waiting('2021-03-19T17:00:00Z')).toEqual([]);
  });

  it('during the outage only the web checks of stalled stand-ins (not a 502 answer, not the shared TCP port)', () => {
    const ids = waiting('2021-03-19T17:30:00Z');
    expect(ids).toContain('whatsapp-web');
    expect(ids).toContain('messenger-web');
    expect(ids).not.toContain('instagram-web');
    expect(monitors.filter((m) => m.id.endsWith('-edge'))).not.toEqual([]);
    expect(ids.some((id) => id.endsWith('-edge'))).toBe(false);
    expect(ids).not.toContain('control');
  });

  it('none again after the recovery', () => {
    expect(waiting('2021-03-19T18:30:00Z')).toEqual([]);
  });
});
