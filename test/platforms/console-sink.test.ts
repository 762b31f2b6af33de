import { describe, expect, it } from 'vitest';
import { formatIncidentLine, formatOperatorLine } from '../../src/platforms/console/console-sink.js';

const AT = Date.UTC(2026, 11, 7, 17, 0);

describe('the console lines of the votes between vantage points', () => {
  it('says which vantage point sees a monitor down alone, and when it stops', () => {
    const notice = { vantage: 'eu-west', serviceId: 'shop', monitorId: 'shop-0', at: AT, down: 1, of: 3 };
    expect(formatOperatorLine({ kind: 'vantage-disagrees', ...notice })).toBe(
      "2026-12-07 17:00:00Z  OPERATOR  vantage eu-west sees monitor shop-0 (shop) down alone (1 of 3 locations): its own network's trouble, not counted as an outage",
    );
    expect(formatOperatorLine({ kind: 'vantage-agrees', ...notice, down: 0 })).toBe(
      '2026-12-07 17:00:00Z  OPERATOR  vantage eu-west no longer sees monitor shop-0 (shop) down alone (0 of 3 locations)',
    );
    expect(formatOperatorLine({ kind: 'vantage-disagrees', ...notice, vantage: 'a\u001b[2Jb' })).not.toMatch(
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u001f]/,
    );
  });

  it('says from how many locations a service was seen down, when several voted', () => {
    const probe = {
      kind: 'probe',
      monitorId: 'shop-0',
      target: 'https://shop.example/',
      state: 'down',
      reason: 'http-status',
      message: 'HTTP 503',
    } as const;
    const line = (facts: { vantages: { down: number; of: number } } | undefined) =>
      formatIncidentLine({
        kind: 'opened',
        incidentId: 1,
        serviceId: 'shop',
        serviceName: 'Shop',
        group: null,
        severity: 'major',
        status: 'down',
        startedAt: AT,
        at: AT,
        evidence: [facts === undefined ? probe : { ...probe, facts }],
      });
    expect(line({ vantages: { down: 2, of: 3 } })).toBe(
      '2026-12-07 17:00:00Z  DOWN  Shop (https://shop.example/: HTTP 503, down from 2 of 3 locations)',
    );
    expect(line(undefined)).toBe('2026-12-07 17:00:00Z  DOWN  Shop (https://shop.example/: HTTP 503)');
    expect(line({ vantages: { down: 1, of: 1 } })).toBe(line(undefined));
  });
});
