/**
 * Telegram forum topics in the outbox, on a real SQLite file with the real migrations: which topic
 * an event goes to, claims and grouped alerts that never mix topics, and a topic that is gone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLLOW_UP_GATHER_MS, GROUP_GATHER_MS } from '../../src/core/delivery/grouping.js';
import { planDelivery, sentSettlement } from '../../src/core/delivery/delivery-plan.js';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import type { Db } from '../../src/db/database.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { T0, incidentEvent, tempDatabase } from '../dispatch/delivery-fixtures.js';

const LEASE = { limit: 10, leaseMs: 60_000 };
const DUE = T0 + GROUP_GATHER_MS;
const forum = { platform: 'telegram' as const, chatId: '-1001' };
const inTopic = (threadId: string | null) => ({ ...forum, threadId });

describe('forum topics in the outbox', () => {
  let tmp: ReturnType<typeof tempDatabase>;
  let db: Db;
  let subs: SqliteSubscriptionStore;
  let outbox: SqliteOutboxStore;

  beforeEach(() => {
    tmp = tempDatabase();
    db = tmp.open();
    subs = new SqliteSubscriptionStore(db);
    outbox = new SqliteOutboxStore(db);
  });
  afterEach(() => tmp.dispose());

  const open = (incidentId: number, serviceId: string, at: number, severity: 'minor' | 'major' = 'major') =>
    outbox.enqueueIncidentEvent(
      incidentEvent({ incidentId, serviceId, at, startedAt: at, severity, group: null }),
    );
  /** Claims what is due, plans it and settles it as sent; returns the jobs. */
  const deliverAll = (now: number): DeliveryJob[] =>
    outbox.claimDue('telegram', now, LEASE).map((claim) => {
      const job = planDelivery(claim);
      outbox.settle(claim, sentSettlement(job, job.editMessageId ?? `m${now - T0}-${job.threadId}`, now));
      return job;
    });
  const summary = (jobs: readonly DeliveryJob[]) =>
    jobs.map((j) => ({ kind: j.kind, threadId: j.threadId, incidents: j.events.map((e) => e.incidentId) }));

  it("sends an event to its subscription's topic: the service's own before all services, at a severity it meets", () => {
    subs.subscribe(inTopic('7'), '*', 'minor', T0);
    subs.subscribe(inTopic('9'), 'github', 'major', T0);
    expect(subs.listSubscriptions(forum)).toMatchObject([
      { serviceId: '*', threadId: '7' },
      { serviceId: 'github', threadId: '9' },
    ]);
    open(1, 'github', T0, 'major');
    open(2, 'github', T0 + 1, 'minor'); // only "all services, minor" covers it
    open(3, 'whatsapp', T0 + 2, 'major');
    const threads = db.prepare('SELECT incident_id, thread_id FROM outbox ORDER BY id').all();
    expect(threads).toEqual([
      { incident_id: 1, thread_id: '9' },
      { incident_id: 2, thread_id: '7' },
      { incident_id: 3, thread_id: '7' },
    ]);
  });

  it('never groups alerts for two topics of one chat into one message, nor joins a message in another topic', () => {
    subs.subscribe(inTopic('7'), 'whatsapp', 'minor', T0);
    subs.subscribe(inTopic('9'), 'instagram', 'minor', T0);
    subs.subscribe(inTopic('7'), 'messenger', 'minor', T0);
    open(1, 'whatsapp', T0);
    open(2, 'instagram', T0 + 1_000);
    open(3, 'messenger', T0 + 2_000);
    // One chat, one claim at a time, in order: topic 7 (incident 1), then 9, then 7 again.
    expect(summary(deliverAll(DUE + 2_000))).toEqual([{ kind: 'send', threadId: '7', incidents: [1] }]);
    // Incident 3 may not join incident 1's message: the chat's latest message is in topic 9 by then.
    expect(summary(deliverAll(DUE + 3_000))).toEqual([{ kind: 'send', threadId: '9', incidents: [2] }]);
    expect(summary(deliverAll(DUE + 4_000))).toEqual([{ kind: 'send', threadId: '7', incidents: [3] }]);

    // Alerts of one topic still group, and a later one joins that topic's latest alert.
    open(4, 'whatsapp', T0 + 10_000);
    open(5, 'messenger', T0 + 11_000);
    const grouped = deliverAll(DUE + 11_000);
    expect(summary(grouped)).toEqual([{ kind: 'edit', threadId: '7', incidents: [3, 4, 5] }]);
  });

  it('keeps an incident in the topic of its alert: its update and recovery follow it, not a moved subscription', () => {
    subs.subscribe(inTopic('7'), 'whatsapp', 'minor', T0);
    open(1, 'whatsapp', T0);
    expect(summary(deliverAll(DUE))).toEqual([{ kind: 'send', threadId: '7', incidents: [1] }]);
    subs.subscribe(inTopic('9'), 'whatsapp', 'minor', T0 + 10_000);
    outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 20_000 }));
    expect(summary(deliverAll(T0 + 20_000 + FOLLOW_UP_GATHER_MS))).toEqual([
      { kind: 'reply', threadId: '7', incidents: [1] },
    ]);
    // The next incident goes where the subscription is now.
    open(2, 'whatsapp', T0 + 30_000);
    expect(summary(deliverAll(T0 + 30_000 + GROUP_GATHER_MS))).toEqual([
      { kind: 'send', threadId: '9', incidents: [2] },
    ]);
  });

  it('releases held alerts as a summary in their topic; an alert queued meanwhile for another topic goes on its own', () => {
    subs.subscribe(inTopic('7'), 'whatsapp', 'minor', T0);
    subs.subscribe(inTopic(null), 'instagram', 'minor', T0);
    open(1, 'whatsapp', T0);
    open(2, 'instagram', T0);
    for (const claim of outbox.claimDue('telegram', DUE, LEASE))
      outbox.settle(claim, { kind: 'hold', until: DUE + 1_000 });
    const first = outbox.claimDue('telegram', DUE + 1_000, LEASE);
    expect(first.map((c) => [c.released, c.threadId, c.items.map((i) => i.incidentId)])).toEqual([
      [true, '7', [1]],
    ]);
    outbox.settle(first[0]!, { kind: 'sent', messageId: 's1', at: DUE + 1_000, refs: [] });
    const second = outbox.claimDue('telegram', DUE + 1_000, LEASE);
    expect(second.map((c) => [c.released, c.threadId, c.items.map((i) => i.incidentId)])).toEqual([
      [false, undefined, [2]],
    ]);
  });

  it('moves a topic that is gone to General: its subscriptions, incidents and queued alerts', () => {
    subs.subscribe(inTopic('7'), 'whatsapp', 'minor', T0);
    subs.subscribe(inTopic('9'), 'instagram', 'minor', T0);
    open(1, 'whatsapp', T0);
    deliverAll(DUE);
    open(2, 'whatsapp', T0 + 120_000);
    expect(subs.forgetThread(forum, '7')).toBe(1);
    expect(subs.listSubscriptions(forum)).toMatchObject([
      { serviceId: 'instagram', threadId: '9' },
      { serviceId: 'whatsapp', threadId: null },
    ]);
    expect(summary(deliverAll(T0 + 120_000 + GROUP_GATHER_MS))).toEqual([
      { kind: 'send', threadId: undefined, incidents: [2] },
    ]);
    outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 200_000 }));
    expect(summary(deliverAll(T0 + 200_000 + FOLLOW_UP_GATHER_MS))).toEqual([
      { kind: 'reply', threadId: undefined, incidents: [1] },
    ]);
    expect(subs.forgetThread({ platform: 'telegram', chatId: '-404' }, '7')).toBe(0);
  });

  it('keeps the topics of subscriptions when a group moves to a new chat id', () => {
    subs.subscribe(inTopic('7'), 'whatsapp', 'minor', T0);
    subs.subscribe({ platform: 'telegram', chatId: '-1002' }, 'github', 'minor', T0);
    expect(subs.rewriteChatId('telegram', forum.chatId, '-1002')).toBe(true);
    expect(subs.listSubscriptions({ platform: 'telegram', chatId: '-1002' })).toMatchObject([
      { serviceId: 'github', threadId: null },
      { serviceId: 'whatsapp', threadId: '7' },
    ]);
  });
});
