/**
 * Discord incident threads in the outbox, on both backends with the real migrations: a chat with
 * `threads` on gets `startThread` on a single-incident alert, the thread the sender started is
 * recorded with the incident's message reference, and the incident's update and recovery carry it.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLLOW_UP_GATHER_MS, GROUP_GATHER_MS } from '../../src/core/delivery/grouping.js';
import { planDelivery, sentSettlement } from '../../src/core/delivery/delivery-plan.js';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import { T0, incidentEvent } from '../dispatch/delivery-fixtures.js';
import { BACKENDS, type OutboxBackend, type OutboxUnderTest, endPostgresBackend } from './outbox-backends.js';

const LEASE = { limit: 10, leaseMs: 60_000 };
const channel = { platform: 'discord' as const, chatId: '800000000000000001' };

afterAll(endPostgresBackend);

describe.each(BACKENDS)('incident threads in the outbox (%s)', (_name, makeBackend) => {
  let b: OutboxBackend;
  let outbox: OutboxUnderTest;

  beforeEach(async () => {
    b = await makeBackend();
    outbox = b.store();
  });
  afterEach(() => b.dispose());

  /** Claims what is due and settles it as sent, a thread started for every job that asks for one. */
  const deliverAll = async (now: number): Promise<DeliveryJob[]> => {
    const jobs: DeliveryJob[] = [];
    for (const claim of await outbox.claimDue('discord', now, LEASE)) {
      const job = planDelivery(claim);
      const messageId = job.editMessageId ?? `m${now - T0}`;
      const thread = job.startThread === true ? messageId : undefined;
      await outbox.settle(claim, sentSettlement(job, messageId, now, thread));
      jobs.push(job);
    }
    return jobs;
  };
  const event = (kind: 'opened' | 'updated' | 'resolved', incidentId: number, at: number) =>
    incidentEvent({
      kind,
      incidentId,
      serviceId: `s${incidentId}`,
      group: null,
      status: kind === 'resolved' ? 'up' : kind === 'updated' ? 'degraded' : 'down',
      startedAt: T0,
      at,
    });

  it('asks for a thread, records it, and sends the update and the recovery to it', async () => {
    await b.subscribe(channel, '*', 'minor', T0);
    await b.run('UPDATE chats SET threads = TRUE WHERE chat_id = ?', channel.chatId);
    await outbox.enqueueIncidentEvent(event('opened', 1, T0));
    const [alert] = await deliverAll(T0 + GROUP_GATHER_MS);
    expect(alert).toMatchObject({ kind: 'send', startThread: true });
    expect(await b.all('SELECT incident_id, alert_thread_id FROM message_refs')).toEqual([
      { incident_id: 1, alert_thread_id: `m${GROUP_GATHER_MS}` },
    ]);

    const later = T0 + GROUP_GATHER_MS + 60_000;
    await outbox.enqueueIncidentEvent(event('updated', 1, later));
    const [update] = await deliverAll(later + FOLLOW_UP_GATHER_MS);
    expect(update).toMatchObject({ kind: 'edit', alertThreadId: `m${GROUP_GATHER_MS}` });
    await outbox.enqueueIncidentEvent(event('resolved', 1, later + 600_000));
    const [recovery] = await deliverAll(later + 600_000 + FOLLOW_UP_GATHER_MS);
    expect(recovery).toMatchObject({ kind: 'reply', alertThreadId: `m${GROUP_GATHER_MS}` });
  });

  it('asks for no thread with threads off, nor for a grouped alert', async () => {
    await b.subscribe(channel, '*', 'minor', T0);
    await outbox.enqueueIncidentEvent(event('opened', 1, T0));
    const [off] = await deliverAll(T0 + GROUP_GATHER_MS);
    expect(off?.startThread).toBeUndefined();

    await b.run('UPDATE chats SET threads = TRUE WHERE chat_id = ?', channel.chatId);
    const at = T0 + 3_600_000;
    await outbox.enqueueIncidentEvent(event('opened', 2, at));
    await outbox.enqueueIncidentEvent(event('opened', 3, at + 1_000));
    const [grouped] = await deliverAll(at + 1_000 + GROUP_GATHER_MS);
    expect(grouped?.events.map((e) => e.incidentId)).toEqual([2, 3]);
    expect(grouped?.startThread).toBeUndefined();
    expect(await b.all('SELECT alert_thread_id FROM message_refs WHERE alert_thread_id IS NOT NULL')).toEqual(
      [],
    );
  });
});
