/**
 * Telegram forum topics in the outbox, on a real SQLite file with the real migrations: which topic
 * an event goes to, claims and grouped alerts that never mix topics, and a topic that is gone.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLLOW_UP_GATHER_MS, GROUP_GATHER_MS } from '../../src/core/delivery/grouping.js';
import { planDelivery, sentSettlement } from '../../src/core/delivery/delivery-plan.js';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import type { Db } from '../../src/db/database.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { T0, incidentEvent, tempDatabase } from '../dispatch/delivery-fixtures.js';
import { BACKENDS, type OutboxBackend, type OutboxUnderTest, endPostgresBackend } from './outbox-backends.js';

const LEASE = { limit: 10, leaseMs: 60_000 };
const DUE = T0 + GROUP_GATHER_MS;
const forum = { platform: 'telegram' as const, chatId: '-1001' };
const inTopic = (threadId: string | null) => ({ ...forum, threadId });

afterAll(endPostgresBackend);

describe.each(BACKENDS)('forum topics in the outbox (%s)', (_name, makeBackend) => {
  let b: OutboxBackend;
  let outbox: OutboxUnderTest;

  beforeEach(async () => {
    b = await makeBackend();
    outbox = b.store();
  });
  afterEach(() => b.dispose());

  const open = (incidentId: number, serviceId: string, at: number, severity: 'minor' | 'major' = 'major') =>
    outbox.enqueueIncidentEvent(
      incidentEvent({ incidentId, serviceId, at, startedAt: at, severity, group: null }),
    );
  /** Claims what is due, plans it and settles it as sent; returns the jobs. */
  const deliverAll = async (now: number): Promise<DeliveryJob[]> => {
    const jobs: DeliveryJob[] = [];
    for (const claim of await outbox.claimDue('telegram', now, LEASE)) {
      const job = planDelivery(claim);
      await outbox.settle(
        claim,
        sentSettlement(job, job.editMessageId ?? `m${now - T0}-${job.threadId}`, now),
      );
      jobs.push(job);
    }
    return jobs;
  };
  const summary = (jobs: readonly DeliveryJob[]) =>
    jobs.map((j) => ({ kind: j.kind, threadId: j.threadId, incidents: j.events.map((e) => e.incidentId) }));

  it("sends an event to its subscription's topic: the service's own before all services, at a severity it meets", async () => {
    await b.subscribe(inTopic('7'), '*', 'minor', T0);
    await b.subscribe(inTopic('9'), 'github', 'major', T0);
    expect(await b.listSubscriptions(forum)).toMatchObject([
      { serviceId: '*', threadId: '7' },
      { serviceId: 'github', threadId: '9' },
    ]);
    await open(1, 'github', T0, 'major');
    await open(2, 'github', T0 + 1, 'minor'); // only "all services, minor" covers it
    await open(3, 'whatsapp', T0 + 2, 'major');
    const threads = await b.all('SELECT incident_id, thread_id FROM outbox ORDER BY id');
    expect(threads).toEqual([
      { incident_id: 1, thread_id: '9' },
      { incident_id: 2, thread_id: '7' },
      { incident_id: 3, thread_id: '7' },
    ]);
  });

  it('never groups alerts for two topics of one chat into one message, nor joins a message in another topic', async () => {
    await b.subscribe(inTopic('7'), 'whatsapp', 'minor', T0);
    await b.subscribe(inTopic('9'), 'instagram', 'minor', T0);
    await b.subscribe(inTopic('7'), 'messenger', 'minor', T0);
    await open(1, 'whatsapp', T0);
    await open(2, 'instagram', T0 + 1_000);
    await open(3, 'messenger', T0 + 2_000);
    // One chat, one claim at a time, in order: topic 7 (incident 1), then 9, then 7 again.
    expect(summary(await deliverAll(DUE + 2_000))).toEqual([{ kind: 'send', threadId: '7', incidents: [1] }]);
    // Incident 3 may not join incident 1's message: the chat's latest message is in topic 9 by then.
    expect(summary(await deliverAll(DUE + 3_000))).toEqual([{ kind: 'send', threadId: '9', incidents: [2] }]);
    expect(summary(await deliverAll(DUE + 4_000))).toEqual([{ kind: 'send', threadId: '7', incidents: [3] }]);

    // Alerts of one topic still group, and a later one joins that topic's latest alert.
    await open(4, 'whatsapp', T0 + 10_000);
    await open(5, 'messenger', T0 + 11_000);
    const grouped = await deliverAll(DUE + 11_000);
    expect(summary(grouped)).toEqual([{ kind: 'edit', threadId: '7', incidents: [3, 4, 5] }]);
  });

  it('keeps an incident in the topic of its alert: its update and recovery follow it, not a moved subscription', async () => {
    await b.subscribe(inTopic('7'), 'whatsapp', 'minor', T0);
    await open(1, 'whatsapp', T0);
    expect(summary(await deliverAll(DUE))).toEqual([{ kind: 'send', threadId: '7', incidents: [1] }]);
    await b.subscribe(inTopic('9'), 'whatsapp', 'minor', T0 + 10_000);
    await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 20_000 }));
    expect(summary(await deliverAll(T0 + 20_000 + FOLLOW_UP_GATHER_MS))).toEqual([
      { kind: 'reply', threadId: '7', incidents: [1] },
    ]);
    // The next incident goes where the subscription is now.
    await open(2, 'whatsapp', T0 + 30_000);
    expect(summary(await deliverAll(T0 + 30_000 + GROUP_GATHER_MS))).toEqual([
      { kind: 'send', threadId: '9', incidents: [2] },
    ]);
  });

  it('releases held alerts as a summary in their topic; an alert queued meanwhile for another topic goes on its own', async () => {
    await b.subscribe(inTopic('7'), 'whatsapp', 'minor', T0);
    await b.subscribe(inTopic(null), 'instagram', 'minor', T0);
    await open(1, 'whatsapp', T0);
    await open(2, 'instagram', T0);
    for (const claim of await outbox.claimDue('telegram', DUE, LEASE))
      await outbox.settle(claim, { kind: 'hold', until: DUE + 1_000 });
    const first = await outbox.claimDue('telegram', DUE + 1_000, LEASE);
    expect(first.map((c) => [c.released, c.threadId, c.items.map((i) => i.incidentId)])).toEqual([
      [true, '7', [1]],
    ]);
    await outbox.settle(first[0]!, { kind: 'sent', messageId: 's1', at: DUE + 1_000, refs: [] });
    const second = await outbox.claimDue('telegram', DUE + 1_000, LEASE);
    expect(second.map((c) => [c.released, c.threadId, c.items.map((i) => i.incidentId)])).toEqual([
      [false, undefined, [2]],
    ]);
  });

  it('moves a topic that is gone to General: its subscriptions, incidents and queued alerts', async () => {
    await b.subscribe(inTopic('7'), 'whatsapp', 'minor', T0);
    await b.subscribe(inTopic('9'), 'instagram', 'minor', T0);
    await open(1, 'whatsapp', T0);
    await deliverAll(DUE);
    await open(2, 'whatsapp', T0 + 120_000);
    expect(await b.forgetThread(forum, '7')).toBe(1);
    expect(await b.listSubscriptions(forum)).toMatchObject([
      { serviceId: 'instagram', threadId: '9' },
      { serviceId: 'whatsapp', threadId: null },
    ]);
    expect(summary(await deliverAll(T0 + 120_000 + GROUP_GATHER_MS))).toEqual([
      { kind: 'send', threadId: undefined, incidents: [2] },
    ]);
    await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 200_000 }));
    expect(summary(await deliverAll(T0 + 200_000 + FOLLOW_UP_GATHER_MS))).toEqual([
      { kind: 'reply', threadId: undefined, incidents: [1] },
    ]);
    expect(await b.forgetThread({ platform: 'telegram', chatId: '-404' }, '7')).toBe(0);
  });
});

// Moving a chat is the subscription store's alone (its PostgreSQL twin has its own suite).
describe('forum topics of a chat that moves (sqlite)', () => {
  let tmp: ReturnType<typeof tempDatabase>;
  let db: Db;
  let subs: SqliteSubscriptionStore;

  beforeEach(() => {
    tmp = tempDatabase();
    db = tmp.open();
    subs = new SqliteSubscriptionStore(db);
  });
  afterEach(() => tmp.dispose());

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
