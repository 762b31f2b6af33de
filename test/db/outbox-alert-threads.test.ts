/**
 * Discord incident threads in the outbox, on both backends with the real migrations: a chat with
 * `threads` on gets `startThread` on an alert (one incident's or a grouped one), the thread the
 * sender started is recorded with each incident's message reference, and the incidents' updates,
 * recoveries and reminders carry it, the group's last recovery closing it; a thread reported deleted
 * is marked, the next update asks for a new one, which is recorded, or given up.
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

  it('asks for no thread with threads off', async () => {
    await b.subscribe(channel, '*', 'minor', T0);
    await outbox.enqueueIncidentEvent(event('opened', 1, T0));
    const [off] = await deliverAll(T0 + GROUP_GATHER_MS);
    expect(off?.startThread).toBeUndefined();
    expect(await b.all('SELECT alert_thread_id FROM message_refs WHERE alert_thread_id IS NOT NULL')).toEqual(
      [],
    );
  });

  it("gives a grouped alert a thread, sends every follow-up of the group to it and closes it with the group's last recovery", async () => {
    await b.subscribe(channel, '*', 'minor', T0);
    await b.run('UPDATE chats SET threads = TRUE WHERE chat_id = ?', channel.chatId);
    await outbox.enqueueIncidentEvent(event('opened', 2, T0));
    await outbox.enqueueIncidentEvent(event('opened', 3, T0 + 1_000));
    const [grouped] = await deliverAll(T0 + 1_000 + GROUP_GATHER_MS);
    expect(grouped?.events.map((e) => e.incidentId)).toEqual([2, 3]);
    expect(grouped?.startThread).toBe(true);
    const thread = `m${1_000 + GROUP_GATHER_MS}`;
    expect(await b.all('SELECT incident_id, alert_thread_id FROM message_refs ORDER BY incident_id')).toEqual(
      [
        { incident_id: 2, alert_thread_id: thread },
        { incident_id: 3, alert_thread_id: thread },
      ],
    );

    const later = T0 + 600_000;
    await outbox.enqueueIncidentEvent(event('resolved', 2, later));
    const [first] = await deliverAll(later + FOLLOW_UP_GATHER_MS);
    expect(first).toMatchObject({ kind: 'reply', alertThreadId: thread });
    expect(first?.closesThread).toBeUndefined();
    const last = later + 3_600_000;
    await outbox.enqueueIncidentEvent(event('resolved', 3, last));
    const [closing] = await deliverAll(last + FOLLOW_UP_GATHER_MS);
    expect(closing).toMatchObject({ alertThreadId: thread, closesThread: true });
    expect(closing?.events.map((e) => e.incidentId)).toEqual([3]);
  });

  it('lets alerts that join a delivered alert by editing it follow its thread', async () => {
    await b.subscribe(channel, '*', 'minor', T0);
    await b.run('UPDATE chats SET threads = TRUE WHERE chat_id = ?', channel.chatId);
    await outbox.enqueueIncidentEvent(event('opened', 1, T0));
    await deliverAll(T0 + GROUP_GATHER_MS);
    const thread = `m${GROUP_GATHER_MS}`;
    await outbox.enqueueIncidentEvent(event('opened', 2, T0 + 20_000));
    const [joined] = await deliverAll(T0 + 20_000 + GROUP_GATHER_MS);
    expect(joined).toMatchObject({ kind: 'edit', editMessageId: thread, alertThreadId: thread });
    expect(await b.all('SELECT incident_id, alert_thread_id FROM message_refs ORDER BY incident_id')).toEqual(
      [
        { incident_id: 1, alert_thread_id: thread },
        { incident_id: 2, alert_thread_id: thread },
      ],
    );
    const later = T0 + 600_000;
    await outbox.enqueueIncidentEvent(event('resolved', 1, later));
    await outbox.enqueueIncidentEvent(event('resolved', 2, later + 1_000));
    const [recovery] = await deliverAll(later + 1_000 + FOLLOW_UP_GATHER_MS);
    expect(recovery).toMatchObject({ kind: 'reply', alertThreadId: thread, closesThread: true });
  });

  it('sends a still-down reminder to the thread while threads are on', async () => {
    await b.subscribe(channel, '*', 'minor', T0);
    await b.run('UPDATE chats SET threads = TRUE, remind_minutes = 30 WHERE chat_id = ?', channel.chatId);
    await outbox.enqueueIncidentEvent(event('opened', 1, T0));
    await deliverAll(T0 + GROUP_GATHER_MS);
    const due = T0 + GROUP_GATHER_MS + 30 * 60_000;
    const [claim] = await outbox.claimDue('discord', due, LEASE);
    if (claim === undefined) throw new Error('no reminder due');
    expect(planDelivery(claim, due)).toMatchObject({
      kind: 'reply',
      reminder: {},
      replyToMessageId: `m${GROUP_GATHER_MS}`,
      alertThreadId: `m${GROUP_GATHER_MS}`,
    });
    await b.run('UPDATE chats SET threads = FALSE WHERE chat_id = ?', channel.chatId);
    const [off] = await outbox.claimDue('discord', due + LEASE.leaseMs, LEASE);
    if (off === undefined) throw new Error('no reminder reclaimed');
    expect(planDelivery(off, due).alertThreadId).toBeUndefined();
  });

  it('marks a deleted thread, starts a new one with the next update, and gives it up when that fails', async () => {
    await b.subscribe(channel, '*', 'minor', T0);
    await b.run('UPDATE chats SET threads = TRUE WHERE chat_id = ?', channel.chatId);
    await outbox.enqueueIncidentEvent(event('opened', 1, T0));
    await deliverAll(T0 + GROUP_GATHER_MS);
    const alert = `m${GROUP_GATHER_MS}`;
    const refs = async () =>
      (
        await b.all<{ alert_thread_id: string | null; alert_thread_gone: unknown }>(
          'SELECT alert_thread_id, alert_thread_gone FROM message_refs',
        )
      ).map((r) => ({ thread: r.alert_thread_id, gone: Boolean(r.alert_thread_gone) }));

    /** Delivers the incident's next update as the sender answered: the thread `gone`, `dropped`, or started anew. */
    let at = T0 + 60_000;
    const update = async (answer: { alertThread?: 'gone' | 'dropped'; alertThreadId?: string }) => {
      at += 600_000;
      await outbox.enqueueIncidentEvent(event('updated', 1, at));
      const [claim] = await outbox.claimDue('discord', at + FOLLOW_UP_GATHER_MS, LEASE);
      if (claim === undefined) throw new Error('no update due');
      const job = planDelivery(claim);
      const settlement = sentSettlement(job, alert, at, answer.alertThreadId, answer.alertThread);
      expect(await outbox.settle(claim, settlement)).toBe(true);
      return job;
    };
    expect(await update({ alertThread: 'gone' })).toMatchObject({ kind: 'edit', alertThreadId: alert });
    expect(await refs()).toEqual([{ thread: alert, gone: true }]);
    expect(await update({ alertThreadId: alert })).toMatchObject({
      alertThreadId: alert,
      restartThread: { alertMessageId: alert },
    });
    expect(await refs()).toEqual([{ thread: alert, gone: false }]);
    expect((await update({ alertThread: 'gone' })).restartThread).toBeUndefined();
    expect(await update({ alertThread: 'dropped' })).toMatchObject({
      restartThread: { alertMessageId: alert },
    });
    expect(await refs()).toEqual([{ thread: null, gone: false }]);
    const without = await update({});
    expect(without.alertThreadId).toBeUndefined();
    expect(without.restartThread).toBeUndefined();
  });
});
