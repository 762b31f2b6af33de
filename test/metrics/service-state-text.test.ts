import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { STATES, type State } from '../../src/core/model.js';
import { serviceStateChunks, serviceStateText } from '../../src/metrics/app-metrics.js';

/** How the family read when a prom-client Gauge wrote it (before `serviceStateText`). */
async function gaugeText(states: readonly { id: string; status: State }[]): Promise<string> {
  const registry = new Registry();
  new Gauge({
    name: 'incident_bot_service_state',
    help: 'Current state of each service: 1 for its state, 0 for the others.',
    labelNames: ['service', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of states) {
        for (const state of STATES) this.set({ service: s.id, state }, s.status === state ? 1 : 0);
      }
    },
  });
  return registry.metrics();
}

describe('serviceStateText', () => {
  it('writes one series per service and state, 1 for its state', () => {
    expect(serviceStateText([{ id: 'github', status: 'down' }])).toBe(
      [
        '# HELP incident_bot_service_state Current state of each service: 1 for its state, 0 for the others.',
        '# TYPE incident_bot_service_state gauge',
        'incident_bot_service_state{service="github",state="up"} 0',
        'incident_bot_service_state{service="github",state="degraded"} 0',
        'incident_bot_service_state{service="github",state="down"} 1',
        'incident_bot_service_state{service="github",state="unknown"} 0',
        'incident_bot_service_state{service="github",state="maintenance"} 0',
        '',
      ].join('\n'),
    );
  });

  it('comes in chunks of 250 services that add up to the whole family', async () => {
    const states = Array.from({ length: 1001 }, (_, i) => ({
      id: `s${i}`,
      status: STATES[i % STATES.length],
    }));
    const chunks = [...serviceStateChunks(states as { id: string; status: State }[])];
    expect(chunks.map((c) => c.match(/state="up"/g)?.length)).toEqual([250, 250, 250, 250, 1]);
    expect(chunks.join('')).toBe(await gaugeText(states as { id: string; status: State }[]));
  });

  it.each([
    ['no services', []],
    ['every state', STATES.map((status, i) => ({ id: `s${i}`, status }))],
    [
      'label values to escape',
      [
        { id: 'back\\slash', status: 'up' },
        { id: 'line\nfeed', status: 'degraded' },
        { id: 'a "quote"', status: 'maintenance' },
      ],
    ],
  ] as [string, { id: string; status: State }[]][])(
    'reads exactly as the prom-client Gauge wrote it: %s',
    async (_name, states) => {
      expect(serviceStateText(states)).toBe(await gaugeText(states));
    },
  );
});
