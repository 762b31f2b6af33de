/**
 * The chaos test's accounting (test/helpers/fleet-count.ts) on small hand-made runs: a clean run
 * counts clean, and each fault it exists to catch is named.
 */
import { describe, expect, it } from 'vitest';
import { type FleetCountInput, type OutboxRow, countFleet } from '../helpers/fleet-count.js';

const row = (
  id: number,
  incidentId: number,
  kind: string,
  messageId: string | null,
  status = 'sent',
): OutboxRow => ({
  id,
  platform: 'telegram',
  chatId: '-100',
  incidentId,
  kind,
  status,
  messageId,
});

/** Two outages alerted in one grouped message (m1) and recovered in one reply (m2). */
function clean(): FleetCountInput {
  return {
    chats: [{ platform: 'telegram', chatId: '-100', services: 'all' }],
    downed: new Set(['a', 'b']),
    incidents: [
      { id: 1, serviceId: 'a', resolvedAt: 10 },
      { id: 2, serviceId: 'b', resolvedAt: 11 },
    ],
    rows: [
      row(1, 1, 'opened', 'm1'),
      row(2, 2, 'opened', 'm1'),
      row(3, 1, 'resolved', 'm2'),
      row(4, 2, 'resolved', 'm2'),
    ],
    messages: new Map([['telegram:-100', ['m1', 'm2']]]),
  };
}

describe('fleet accounting', () => {
  it('counts a clean run as clean', () => {
    const count = countFleet(clean());
    expect(count.figures.telegram).toEqual({
      alertsExpected: 2,
      alertsDelivered: 2,
      recoveriesExpected: 2,
      recoveriesDelivered: 2,
      messages: 2,
      duplicates: 0,
    });
    expect([count.incidentProblems, count.lost, count.doubled, count.undelivered, count.outOfOrder]).toEqual([
      [],
      [],
      [],
      [],
      [],
    ]);
  });

  it('calls a message no row refers to a duplicate', () => {
    const input = { ...clean(), messages: new Map([['telegram:-100', ['m0', 'm1', 'm2']]]) };
    expect(countFleet(input).figures.telegram.duplicates).toBe(1);
  });

  it('calls a row whose message the platform never got lost, and a row not sent undelivered', () => {
    const input = { ...clean(), messages: new Map([['telegram:-100', ['m1']]]) };
    expect(countFleet(input).lost).toEqual([
      'telegram:-100: recovery of a (#1): sent, message m2',
      'telegram:-100: recovery of b (#2): sent, message m2',
    ]);
    const pending = {
      ...clean(),
      rows: [...clean().rows.slice(0, 3), row(4, 2, 'resolved', null, 'pending')],
    };
    const count = countFleet(pending);
    expect(count.lost).toEqual(['telegram:-100: recovery of b (#2): pending, message none']);
    expect(count.undelivered).toEqual(['telegram:-100 row 4 (resolved of #2): pending']);
  });

  it('names an event fanned out twice, a second incident for one outage and one never caused', () => {
    const input = {
      ...clean(),
      incidents: [
        ...clean().incidents,
        { id: 3, serviceId: 'a', resolvedAt: 12 },
        { id: 4, serviceId: 'c', resolvedAt: null },
      ],
      rows: [...clean().rows, row(5, 2, 'resolved', 'm2')],
    };
    const count = countFleet(input);
    expect(count.doubled).toEqual(['telegram:-100: recovery of b (#2): 2 rows']);
    expect(count.incidentProblems).toEqual([
      'a: 2 incidents for one outage',
      'c: 1 incidents, never down',
      'c: incident #4 still open',
    ]);
  });

  it('names messages out of order: a recovery before its alert, rows going out backwards', () => {
    const input = { ...clean(), messages: new Map([['telegram:-100', ['m2', 'm1']]]) };
    const count = countFleet(input);
    expect(count.outOfOrder).toEqual([
      'telegram:-100: recovery of #1 before its alert',
      'telegram:-100: recovery of #2 before its alert',
      'telegram:-100: message m1 starts with row 1 after row 3',
    ]);
  });
});
