import { describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../src/core/events.js';
import type { ReceivedMessage } from '../../src/demo/plain-alert.js';
import type { ReplayResult } from '../../src/demo/replay.js';
import { alertToleranceMs, summarize } from '../../src/demo/summary.js';

const T0 = Date.parse('2024-01-15T10:00:00Z');
const min = (n: number): number => T0 + n * 60_000;

function event(
  kind: IncidentEvent['kind'],
  serviceId: string,
  at: number,
  incidentId: number,
): IncidentEvent {
  return {
    kind,
    incidentId,
    serviceId,
    serviceName: serviceId.toUpperCase(),
    group: null,
    severity: 'major',
    status: kind === 'resolved' ? 'up' : 'down',
    startedAt: at,
    at,
    ...(kind === 'resolved' ? { durationMs: 9 * 60_000 } : {}),
    evidence: [],
  };
}

function message(chatId: string, kind: ReceivedMessage['kind'], events: IncidentEvent[]): ReceivedMessage {
  const at = events[0]?.at ?? T0;
  return { chatId, kind, at, messageId: '1', job: { events } as never, alert: {} as never, text: '' };
}

/** A replay result with only what the summary reads. */
function result(events: IncidentEvent[], messages: ReceivedMessage[]): ReplayResult {
  return {
    scenario: {
      trouble: { site: [{ from: min(10), to: min(20) }] },
      chats: [
        { id: 'ops', subscribe: ['*'] },
        { id: 'reporter', subscribe: [] },
      ],
    },
    intervalMs: new Map([
      ['site', 60_000],
      ['other', 60_000],
    ]),
    events,
    messages,
  } as unknown as ReplayResult;
}

describe('the replay summary', () => {
  it('allows a late opening two intervals and 30 s, or a crowd window and 5 s, whichever is longer', () => {
    expect(alertToleranceMs(60_000)).toBe(305_000);
    expect(alertToleranceMs(300_000)).toBe(630_000);
  });

  it('measures detection and recovery against the trouble window', () => {
    const opened = event('opened', 'site', min(11), 1);
    const resolved = event('resolved', 'site', min(21), 1);
    const summary = summarize(result([opened, resolved], [message('ops', 'send', [opened])]));
    expect(summary.firstAlert).toEqual({ at: min(11), chatId: 'ops', afterMs: 60_000 });
    expect(summary.outages).toEqual([
      {
        serviceId: 'site',
        trouble: { from: min(10), to: min(20) },
        alertedAt: min(11),
        resolvedAt: min(21),
        durationMs: 540_000,
      },
    ]);
    expect(summary.incidents).toEqual([
      { serviceId: 'site', serviceName: 'SITE', openedAt: min(11), resolvedAt: min(21), durationMs: 540_000 },
    ]);
    expect(summary.falseAlerts).toEqual([]);
  });

  it('calls openings before a window, after its tolerance, or for a service with none false alerts', () => {
    const early = event('opened', 'site', min(9), 1);
    const late = event('reopened', 'site', min(20) + alertToleranceMs(60_000) + 1000, 2);
    const inTime = event('opened', 'site', min(20) + alertToleranceMs(60_000), 3);
    const stranger = event('opened', 'other', min(15), 4);
    const summary = summarize(result([early, late, inTime, stranger], []));
    expect(summary.falseAlerts).toEqual([early, late, stranger]);
    expect(summary.outages[0]?.alertedAt).toBe(inTime.at);
    expect(summary.incidents.map((i) => i.resolvedAt)).toEqual([null, null, null, null]);
    expect(summary.firstAlert).toBeNull();
  });

  it('counts new messages and edits for the chats that follow something', () => {
    const opened = event('opened', 'site', min(11), 1);
    const updated = event('updated', 'site', min(12), 1);
    const summary = summarize(
      result(
        [opened, updated],
        [
          message('ops', 'send', [opened]),
          message('ops', 'edit', [updated]),
          message('ops', 'reply', [updated]),
        ],
      ),
    );
    expect(summary.chats).toEqual([{ chatId: 'ops', newMessages: 2, edits: 1 }]);
  });

  it('reports an outage nobody was alerted to', () => {
    const summary = summarize(result([], []));
    expect(summary.outages[0]).toMatchObject({ alertedAt: null, resolvedAt: null, durationMs: null });
    expect(summary.firstAlert).toBeNull();
  });
});
