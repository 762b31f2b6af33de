/**
 * Grouping's decisions over plain facts (grouping.ts: `dueAt`, `asFirstNews`, `companions`,
 * `groupClaim`, `replacesReference`): what the outbox stores read, these decide. Pure: no store.
 */
import { describe, expect, it } from 'vitest';
import {
  type ChatMessageReads,
  type QueuedRow,
  FOLLOW_UP_GATHER_MS,
  GROUP_GATHER_MS,
  GROUP_WINDOW_MS,
  asFirstNews,
  companions,
  dueAt,
  gatherDelays,
  groupClaim,
  recoveryJoinWindow,
  replacesReference,
} from '../../../src/core/delivery/grouping.js';
import type { IncidentEvent, IncidentEventKind } from '../../../src/core/events.js';

const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);
const delays = gatherDelays({});

function event(incidentId: number, kind: IncidentEventKind, at = T0): IncidentEvent {
  return {
    kind,
    incidentId,
    serviceId: `s${incidentId}`,
    serviceName: `S${incidentId}`,
    group: 'meta',
    severity: 'major',
    status: kind === 'resolved' ? 'up' : 'down',
    startedAt: T0,
    at,
    evidence: [],
  };
}

function row(
  id: number,
  incidentId: number,
  kind: IncidentEventKind,
  threadId: string | null = null,
): QueuedRow {
  const e = event(incidentId, kind, T0 + id);
  return { id, incidentId, eventKind: kind, event: e, attempts: 0, createdAt: e.at, threadId };
}

/** A chat with no delivered message yet. */
const nothingSent: ChatMessageReads = {
  lastSent: () => undefined,
  ref: () => null,
  shownRefs: () => [],
  latestSent: () => undefined,
  latestRow: () => undefined,
  openingRow: () => undefined,
  delivered: () => [],
};

describe('dueAt', () => {
  const grouped = { messageId: 'm', editable: false, joinable: true };
  const single = { messageId: 'm', editable: true, joinable: true };

  it('gathers openings and recoveries; an update waits by what the chat has of its incident', () => {
    expect(dueAt(event(1, 'opened'), delays)).toBe(T0 + GROUP_GATHER_MS);
    expect(dueAt(event(1, 'reopened'), delays)).toBe(T0 + GROUP_GATHER_MS);
    expect(dueAt(event(1, 'resolved'), delays)).toBe(T0 + FOLLOW_UP_GATHER_MS);
    // First news of the incident (no message, nothing queued): an opening alert.
    expect(dueAt(event(1, 'updated'), delays, { ref: null, queuedAhead: false })).toBe(T0 + GROUP_GATHER_MS);
    expect(dueAt(event(1, 'updated'), delays, { ref: grouped, queuedAhead: false })).toBe(
      T0 + FOLLOW_UP_GATHER_MS,
    );
    expect(dueAt(event(1, 'updated'), delays, { ref: single, queuedAhead: false })).toBe(T0);
    // Its opening is still queued: the update follows it at once.
    expect(dueAt(event(1, 'updated'), delays, { ref: null, queuedAhead: true })).toBe(T0);
  });

  it('takes the delays from the options; follow-ups wait as long as openings when only that is given', () => {
    expect(gatherDelays({ gatherMs: 0 })).toEqual({ openingMs: 0, followUpMs: 0 });
    expect(gatherDelays({ gatherMs: 0, followUpGatherMs: 7 })).toEqual({ openingMs: 0, followUpMs: 7 });
    expect(recoveryJoinWindow(0)).toBe(GROUP_WINDOW_MS);
    expect(recoveryJoinWindow(300_000)).toBe(300_000);
  });
});

describe('which rows go out as one message', () => {
  it('reads an update that is the first news as an opening, asking for the facts only for updates', () => {
    let asked = 0;
    const facts = () => {
      asked++;
      return { ref: null, queuedAhead: false };
    };
    expect(asFirstNews(row(1, 1, 'opened'), facts).eventKind).toBe('opened');
    expect(asked).toBe(0);
    const first = asFirstNews(row(2, 2, 'updated'), facts);
    expect(first.eventKind).toBe('opened');
    expect(first.event.kind).toBe('opened');
    expect(asked).toBe(1);
  });

  it('stops the companions at a row of another forum topic or one not claimable', () => {
    const first = row(1, 1, 'opened', 't1');
    const rest = [row(2, 2, 'opened', 't1'), row(3, 3, 'opened', 't2'), row(4, 4, 'opened', 't1')];
    expect(companions(first, rest, () => true).map((r) => r.id)).toEqual([2]);
    expect(companions(first, rest, (r) => r.id !== 2)).toEqual([]);
  });

  it('groups the openings of one window when there is nothing to join', () => {
    const rows = [row(2, 2, 'opened'), row(3, 2, 'updated'), row(4, 3, 'resolved'), row(5, 4, 'opened')];
    const group = groupClaim(row(1, 1, 'opened'), rows, nothingSent, () => 0);
    expect(group.rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(group.mergeInto).toBeUndefined();
    expect(group.conversation).toBeUndefined();
  });

  it("claims a grouped alert's updates and recoveries as its conversation", () => {
    const shown = [event(1, 'opened'), event(2, 'opened')];
    const reads: ChatMessageReads = {
      ...nothingSent,
      ref: () => ({ messageId: 'G', editable: false, joinable: true }),
      shownRefs: () => shown.map((e) => ({ incidentId: e.incidentId, joinable: true })),
      latestSent: (id) => shown.find((e) => e.incidentId === id),
    };
    const group = groupClaim(
      row(3, 1, 'updated'),
      [row(4, 2, 'resolved'), row(5, 9, 'updated')],
      reads,
      () => 0,
    );
    expect(group.rows.map((r) => r.id)).toEqual([3, 4]);
    expect(group.conversation).toEqual({ messageId: 'G', shown });
  });
});

describe('replacesReference', () => {
  it('lets a summary take over only the incidents it shows the opening of', () => {
    const items = [
      { incidentId: 1, eventKind: 'opened' as const },
      { incidentId: 2, eventKind: 'resolved' as const },
    ];
    expect(replacesReference({ released: true, items }, 1)).toBe(true);
    expect(replacesReference({ released: true, items }, 2)).toBe(false);
    expect(replacesReference({ released: false, items }, 2)).toBe(true);
  });
});
