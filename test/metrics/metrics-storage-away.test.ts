import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { AppMetrics } from '../../src/metrics/app-metrics.js';

// A networked database (PostgreSQL) away: the outbox depth cannot be read, yet the scrape must still
// answer, since it is what says the database is not writable.
describe('metrics while the database is away', () => {
  it('scrapes without the outbox gauges when the outbox cannot be read, showing the database not writable', async () => {
    const metrics = new AppMetrics({
      clock: { now: () => 1_000 },
      serviceStates: () => [{ id: 'site', status: 'down' }],
      openIncidents: () => 1,
      outbox: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
      storage: () => ({
        writable: false,
        detection: { checks: 3, incidents: 1, droppedChecks: 0, droppedIncidents: 0 },
        outbox: { rows: 0, settlements: 0 },
      }),
    });
    let text = '';
    for await (const chunk of (await metrics.scrape()).body) text += String(chunk);
    const families = parsePrometheusTextFormat(text);
    const value = (name: string) => families.find((f) => f.name === name)?.metrics[0]?.value;
    expect(value('incident_bot_database_writable')).toBe('0');
    expect(value('incident_bot_open_incidents')).toBe('1');
    expect(value('incident_bot_outbox_pending')).toBeUndefined();
    expect(value('incident_bot_outbox_oldest_pending_age_seconds')).toBeUndefined();
  });
});
