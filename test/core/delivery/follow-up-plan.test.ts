/**
 * One outage, one conversation: how updates and recoveries of a grouped alert are planned
 * (grouping.ts: `followUpPlan`, `selectFollowUps`, `selectGroup`; delivery-plan.ts: `sentSettlement`). Pure: no
 * store, no clock.
 */
import { describe, expect, it } from 'vitest';
import { followUpPlan, selectFollowUps, selectGroup } from '../../../src/core/delivery/grouping.js';
import { planDelivery, sentSettlement } from '../../../src/core/delivery/delivery-plan.js';
import type { ClaimedChat, DeliveryJob, OutboxItem } from '../../../src/core/delivery/ports.js';
import type { IncidentEvent, IncidentEventKind } from '../../../src/core/events.js';
import type { State } from '../../../src/core/model.js';
import { readDocTable } from '../../helpers/doc-table.js';

const T0 = Date.UTC(2026, 11, 7, 8, 0, 0);
const SERVICES = ['facebook', 'instagram', 'messenger', 'whatsapp'] as const;

function event(incidentId: number, kind: IncidentEventKind, status: State, at = T0): IncidentEvent {
  const serviceId = SERVICES[incidentId - 1] ?? `s${incidentId}`;
  return {
    kind,
    incidentId,
    serviceId,
    serviceName: serviceId.charAt(0).toUpperCase() + serviceId.slice(1),
    group: 'meta',
    severity: status === 'down' ? 'major' : 'minor',
    status: kind === 'resolved' ? 'up' : status,
    startedAt: T0,
    at,
    ...(kind === 'resolved' ? { durationMs: at - T0 } : {}),
    evidence: [],
  };
}

const all = (kind: IncidentEventKind, status: State, at = T0): IncidentEvent[] =>
  [1, 2, 3, 4].map((id) => event(id, kind, status, at));

function item(id: number, e: IncidentEvent): OutboxItem {
  return { id, incidentId: e.incidentId, eventKind: e.kind, event: e, attempts: 0, createdAt: e.at };
}

function claim(events: readonly IncidentEvent[], extra: Partial<ClaimedChat> = {}): ClaimedChat {
  return {
    leaseToken: 't',
    chat: {
      platform: 'telegram',
      chatId: '-100',
      guildId: null,
      settings: {
        locale: 'en',
        timeZone: 'UTC',
        quietHours: null,
        mutedUntil: null,
        mentionRoleId: null,
        remindMinutes: null,
      },
      active: true,
      deactivatedReason: null,
      deactivatedAt: null,
    },
    items: events.map((e, i) => item(i + 1, e)),
    released: false,
    refs: new Map(events.map((e) => [e.incidentId, { messageId: 'm', editable: false }])),
    ...extra,
  };
}

describe('followUpPlan', () => {
  const rows = readDocTable(
    new URL('../../../src/core/delivery/grouping.ts', import.meta.url),
    'followUpPlan',
  );
  const degradedGroup = all('opened', 'degraded');
  const cases: Record<string, { shown: IncidentEvent[]; changes: IncidentEvent[] }> = {
    'the group gets worse (its worst state rises: degraded → down)': {
      shown: degradedGroup,
      changes: [event(2, 'updated', 'down', T0 + 1000)],
    },
    'some services recovered, none got worse': {
      shown: all('updated', 'down'),
      changes: [event(1, 'resolved', 'up', T0 + 60_000), event(3, 'resolved', 'up', T0 + 61_000)],
    },
    'anything else (better but not back, new evidence)': {
      shown: all('updated', 'down'),
      changes: [event(1, 'updated', 'degraded', T0 + 30_000), event(2, 'updated', 'degraded', T0 + 30_000)],
    },
  };

  it.each(rows)('%s → %s, showing %s', (situation, job, shows) => {
    const c = cases[situation ?? ''];
    expect(c, `no case for "${situation}"`).toBeDefined();
    const plan = followUpPlan(c!.shown, c!.changes);
    expect(job).toContain(`\`${plan.kind}\``);
    expect(plan.escalation).toBe(job?.includes('new reference'));
    const ids = plan.events.map((e) => e.incidentId);
    if (shows?.startsWith('every incident')) expect(ids).toEqual([1, 2, 3, 4]);
    else expect(ids).toEqual(c!.changes.map((e) => e.incidentId));
    // Each incident appears once, as its latest change.
    for (const change of c!.changes) expect(plan.events).toContainEqual(change);
  });

  it('is no escalation when a service goes down in a group already down somewhere', () => {
    const shown = [event(1, 'updated', 'down'), ...[2, 3, 4].map((id) => event(id, 'opened', 'degraded'))];
    expect(followUpPlan(shown, [event(2, 'updated', 'down', T0 + 1)])).toMatchObject({
      kind: 'edit',
      escalation: false,
    });
  });

  it('counts only incidents still open: a recovered service does not make the group look worse', () => {
    const shown = [event(1, 'resolved', 'up'), event(2, 'opened', 'degraded')];
    expect(followUpPlan(shown, [event(2, 'updated', 'degraded', T0 + 1)]).kind).toBe('edit');
    expect(followUpPlan(shown, [event(2, 'updated', 'down', T0 + 1)]).kind).toBe('reply');
  });

  it('escalates even when a recovery comes in the same breath, and shows both', () => {
    const plan = followUpPlan(degradedGroup, [
      event(1, 'resolved', 'up', T0 + 1),
      event(2, 'updated', 'down', T0 + 1),
    ]);
    expect(plan).toMatchObject({ kind: 'reply', escalation: true });
    expect(plan.events.map((e) => [e.incidentId, e.kind])).toEqual([
      [1, 'resolved'],
      [2, 'updated'],
      [3, 'opened'],
      [4, 'opened'],
    ]);
  });
  it('does not tell again a recovery the chat was told before: the escalation leaves it out', () => {
    // Facebook's recovery went out as a reply already; Instagram then goes down.
    const shown = [
      event(1, 'resolved', 'up', T0 + 10),
      ...[2, 3, 4].map((id) => event(id, 'opened', 'degraded')),
    ];
    const plan = followUpPlan(shown, [event(2, 'updated', 'down', T0 + 20)]);
    expect(plan).toMatchObject({ kind: 'reply', escalation: true });
    expect(plan.events.map((e) => [e.incidentId, e.kind])).toEqual([
      [2, 'updated'],
      [3, 'opened'],
      [4, 'opened'],
    ]);
  });
});

describe('selecting the rows of one follow-up (selectFollowUps)', () => {
  const shownIds = new Set([1, 2, 3, 4]);
  const rows = (events: IncidentEvent[]) => events.map((e, i) => item(i + 1, e));

  it('takes updates and recoveries of the message incidents, in order, and stops at anything else', () => {
    const [head, ...rest] = rows([
      event(1, 'updated', 'down'),
      event(2, 'resolved', 'up'),
      event(5, 'updated', 'down'),
      event(3, 'updated', 'down'),
    ]);
    expect(selectFollowUps(head!, rest, shownIds).map((r) => r.id)).toEqual([1, 2]);
  });

  it('stops at an opening alert, even of an incident the message shows (reopened)', () => {
    const [head, ...rest] = rows([event(1, 'updated', 'down'), event(2, 'reopened', 'down')]);
    expect(selectFollowUps(head!, rest, shownIds).map((r) => r.id)).toEqual([1]);
  });

  it('takes at most `max` rows; a head outside the message goes out alone', () => {
    const [head, ...rest] = rows(all('updated', 'down'));
    expect(selectFollowUps(head!, rest, shownIds, 3)).toHaveLength(3);
    const [other, ...more] = rows([event(9, 'updated', 'down'), event(1, 'updated', 'down')]);
    expect(selectFollowUps(other!, more, shownIds).map((r) => r.id)).toEqual([1]);
  });
});

describe('an alert takes the updates queued before it went out (selectGroup)', () => {
  it('absorbs updates of incidents in the group, not of others, and not recoveries', () => {
    const events = [
      event(1, 'opened', 'degraded'),
      event(2, 'opened', 'degraded'),
      event(1, 'updated', 'down', T0 + 1000),
      event(2, 'updated', 'down', T0 + 1000),
      event(7, 'updated', 'down', T0 + 1000),
    ];
    const [head, ...rest] = events.map((e, i) => item(i + 1, e));
    expect(selectGroup(head!, rest).map((r) => r.id)).toEqual([1, 2, 3, 4]);
    const withRecovery = [event(1, 'opened', 'degraded'), event(1, 'resolved', 'up', T0 + 1000)];
    const [h, ...r] = withRecovery.map((e, i) => item(i + 1, e));
    expect(selectGroup(h!, r).map((x) => x.id)).toEqual([1]);
  });

  it('sends them as the opening, in their latest state, editable when it is one incident', () => {
    const job = planDelivery(claim([event(1, 'opened', 'degraded'), event(1, 'updated', 'down', T0 + 1)]));
    expect(job.kind).toBe('send');
    expect(job.events.map((e) => [e.kind, e.status])).toEqual([
      ['opened', 'degraded'],
      ['opened', 'down'],
    ]);
    expect(sentSettlement(job, 'a', T0).refs).toEqual([{ incidentId: 1, editable: true, joinable: true }]);
  });
});

describe('the settlement of a follow-up', () => {
  it('makes an escalation reply the reference of the incidents still open; other replies and edits keep it', () => {
    const escalation: DeliveryJob = planDelivery(
      claim([event(2, 'updated', 'down', T0 + 1)], {
        conversation: {
          messageId: 'a',
          shown: [event(1, 'resolved', 'up'), ...[2, 3].map((id) => event(id, 'opened', 'degraded'))],
        },
      }),
    );
    expect(escalation).toMatchObject({ kind: 'reply', replyToMessageId: 'a', regroups: true });
    expect(sentSettlement(escalation, 'b', T0).refs).toEqual([
      { incidentId: 2, editable: false, joinable: true },
      { incidentId: 3, editable: false, joinable: true },
    ]);
    const recovery = planDelivery(
      claim([event(2, 'resolved', 'up', T0 + 9)], {
        conversation: {
          messageId: 'b',
          shown: [event(2, 'updated', 'down'), event(3, 'opened', 'degraded')],
        },
      }),
    );
    expect(recovery).toMatchObject({ kind: 'reply', replyToMessageId: 'b' });
    expect(recovery.regroups).toBeUndefined();
    expect(sentSettlement(recovery, 'c', T0).refs).toEqual([]);
  });
});

describe('a silent edit of a grouped alert', () => {
  it('keeps its references, or moves them all to the new message sent because the alert was gone', () => {
    const edit = planDelivery(
      claim([event(1, 'updated', 'degraded', T0 + 1)], {
        conversation: { messageId: 'a', shown: all('updated', 'down') },
      }),
    );
    expect(edit).toMatchObject({ kind: 'edit', editMessageId: 'a' });
    expect(edit.events.map((e) => [e.incidentId, e.status])).toEqual([
      [1, 'degraded'],
      [2, 'down'],
      [3, 'down'],
      [4, 'down'],
    ]);
    const refs = [1, 2, 3, 4].map((incidentId) => ({ incidentId, editable: false, joinable: true }));
    expect(sentSettlement(edit, 'a', T0)).toMatchObject({ messageId: 'a', refs });
    expect(sentSettlement(edit, 'fresh', T0)).toMatchObject({ messageId: 'fresh', refs });
  });
});

describe('the DNS-first outage of four services of one group, planned', () => {
  /**
   * The message's story as the store would keep it: each claim's events become what the message
   * shows after it is delivered. Returns the jobs, so the test counts what notifies.
   */
  function converse(rounds: readonly IncidentEvent[][]): DeliveryJob[] {
    const jobs: DeliveryJob[] = [];
    let shown: IncidentEvent[] = [];
    let messageId = '';
    for (const [n, changes] of rounds.entries()) {
      const job = planDelivery(
        claim(changes, shown.length === 0 ? {} : { conversation: { messageId, shown } }),
      );
      jobs.push(job);
      const latest = new Map(shown.map((e) => [e.incidentId, e]));
      for (const e of job.events) latest.set(e.incidentId, e);
      shown = [...latest.values()];
      const refs = sentSettlement(job, `m${n}`, T0).refs;
      if (refs.length > 0 && job.kind !== 'edit') messageId = `m${n}`;
    }
    return jobs;
  }
  const notifying = (jobs: readonly DeliveryJob[]) => jobs.filter((j) => j.kind !== 'edit');

  it('DNS and HTTP fail, DNS comes back, all come back: alert, one escalation, one recovery', () => {
    const jobs = converse([
      all('opened', 'degraded', T0),
      all('updated', 'down', T0 + 20_000),
      all('updated', 'degraded', T0 + 60_000),
      all('resolved', 'up', T0 + 120_000),
    ]);
    expect(jobs.map((j) => j.kind)).toEqual(['send', 'reply', 'edit', 'reply']);
    expect(notifying(jobs)).toHaveLength(3);
    expect(jobs[1]?.replyToMessageId).toBe('m0');
    // The escalation reply is the conversation from then on: edited, and replied to.
    expect(jobs[2]?.editMessageId).toBe('m1');
    expect(jobs[3]?.replyToMessageId).toBe('m1');
    expect(jobs[3]?.events.map((e) => [e.serviceId, e.kind, e.durationMs])).toEqual(
      SERVICES.map((s) => [s, 'resolved', 120_000]),
    );
  });

  it('when the alert already shows them down, only the alert and the recovery notify', () => {
    const jobs = converse([
      all('opened', 'down', T0),
      all('updated', 'degraded', T0 + 60_000),
      all('resolved', 'up', T0 + 120_000),
    ]);
    expect(jobs.map((j) => j.kind)).toEqual(['send', 'edit', 'reply']);
  });

  it('a service escalating alone makes one reply; the others going down later only edit it', () => {
    const jobs = converse([
      all('opened', 'degraded', T0),
      [event(1, 'updated', 'down', T0 + 10_000)],
      [event(2, 'updated', 'down', T0 + 12_000)],
      [event(3, 'updated', 'down', T0 + 13_000), event(4, 'updated', 'down', T0 + 13_000)],
    ]);
    expect(jobs.map((j) => j.kind)).toEqual(['send', 'reply', 'edit', 'edit']);
  });
});
