/**
 * Still-down reminders in the outbox, on both backends: planned when the alert is sent to a chat
 * with a pace, claimed on their own once due as a reply to the alert, the next one planned when
 * one is sent, cancelled by the recovery, never doubled by a crash (an expired lease is reclaimed,
 * not planned again), never holding the chat's other alerts back.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GROUP_GATHER_MS } from '../../src/core/delivery/grouping.js';
import { planDelivery, sentSettlement } from '../../src/core/delivery/delivery-plan.js';
import { T0, incidentEvent } from '../dispatch/delivery-fixtures.js';
import { BACKENDS, type OutboxBackend, type OutboxUnderTest, endPostgresBackend } from './outbox-backends.js';

const LEASE = { limit: 10, leaseMs: 60_000 };
const DUE = T0 + GROUP_GATHER_MS;
const MINUTE = 60_000;
const chat = { platform: 'telegram' as const, chatId: '1' };

interface ReminderRow {
  id: number;
  incident_id: number;
  status: string;
  next_attempt_at: number;
  attempts: number;
}
const reminderRows = (b: OutboxBackend) =>
  b.all<ReminderRow>(
    "SELECT id, incident_id, status, next_attempt_at, attempts FROM outbox WHERE event_kind = 'reminder' ORDER BY id",
  );

afterAll(endPostgresBackend);

describe.each(BACKENDS)('outbox reminders (%s)', (_name, makeBackend) => {
  let b: OutboxBackend;
  let outbox: OutboxUnderTest;

  beforeEach(async () => {
    b = await makeBackend();
    outbox = b.store();
  });
  afterEach(() => b.dispose());

  /** Claims what is due at `at` and settles every claim as delivered (message `messageId`). */
  async function deliver(at: number, messageId: string): Promise<void> {
    const claims = await outbox.claimDue('telegram', at, LEASE);
    expect(claims).not.toEqual([]);
    for (const claim of claims)
      expect(await outbox.settle(claim, sentSettlement(planDelivery(claim, at), messageId, at))).toBe(true);
  }

  /** A chat with a 30-minute pace whose WhatsApp alert (incident 1) went out at DUE as `m1`. */
  async function alerted(): Promise<void> {
    await b.subscribe(chat, 'whatsapp', 'minor', T0);
    await b.run("UPDATE chats SET remind_minutes = 30 WHERE chat_id = '1'");
    await outbox.enqueueIncidentEvent(incidentEvent());
    await deliver(DUE, 'm1');
  }

  it('plans the first reminder when the alert is sent, one pace later; none where the pace is off', async () => {
    await b.subscribe({ platform: 'telegram', chatId: '2' }, 'whatsapp', 'minor', T0);
    await alerted();
    expect(await reminderRows(b)).toMatchObject([
      { incident_id: 1, status: 'planned', next_attempt_at: DUE + 30 * MINUTE, attempts: 0 },
    ]);
    expect(
      await b.all(
        "SELECT c.chat_id FROM outbox o JOIN chats c ON c.ref = o.chat_ref WHERE o.event_kind = 'reminder'",
      ),
    ).toEqual([{ chat_id: '1' }]);
  });

  it("waits while the chat has silenced the incident's service, and goes out when the silence ends", async () => {
    await alerted();
    const due = DUE + 30 * MINUTE;
    const silenceEnds = due + 60 * MINUTE;
    await b.run(
      `INSERT INTO silences (chat_ref, service_id, ends_at, created_at)
       SELECT ref, 'whatsapp', ${silenceEnds}, ${due - MINUTE} FROM chats WHERE chat_id = '1'`,
    );
    expect(await outbox.claimDue('telegram', due, LEASE)).toEqual([]);
    expect(await outbox.claimDue('telegram', silenceEnds - 1, LEASE)).toEqual([]);
    const [claim] = await outbox.claimDue('telegram', silenceEnds, LEASE);
    expect(claim?.reminder).toEqual({ index: 0, alertMessageId: 'm1' });
  });

  it('claims a due reminder alone, as a reply to the alert, then plans the next twice as far', async () => {
    await alerted();
    const due = DUE + 30 * MINUTE;
    expect(await outbox.claimDue('telegram', due - 1, LEASE)).toEqual([]);
    const [claim] = await outbox.claimDue('telegram', due, LEASE);
    expect(claim?.reminder).toEqual({ index: 0, alertMessageId: 'm1' });
    expect(claim?.items).toHaveLength(1);
    const job = planDelivery(claim!, due);
    expect(job).toMatchObject({ kind: 'reply', replyToMessageId: 'm1', reminder: { downForMs: due - T0 } });
    expect(job.events.map((e) => [e.kind, e.serviceName])).toEqual([['opened', 'WhatsApp']]);

    expect(await outbox.settle(claim!, sentSettlement(job, 'r1', due))).toBe(true);
    expect(await reminderRows(b)).toMatchObject([
      { status: 'sent' },
      { status: 'planned', next_attempt_at: due + 60 * MINUTE },
    ]);
    const [second] = await outbox.claimDue('telegram', due + 60 * MINUTE, LEASE);
    expect(second?.reminder).toEqual({ index: 1, alertMessageId: 'm1' });
  });

  it('cancels the planned reminder when the recovery is planned, and sends the recovery', async () => {
    await alerted();
    await outbox.enqueueIncidentEvent(
      incidentEvent({ kind: 'resolved', at: DUE + 60_000, durationMs: 60_000 }),
    );
    expect(await reminderRows(b)).toMatchObject([{ status: 'cancelled' }]);
    const claims = await outbox.claimDue('telegram', DUE + 24 * 60 * MINUTE, LEASE);
    expect(claims.map((c) => [c.reminder, c.items.map((i) => i.eventKind)])).toEqual([
      [undefined, ['resolved']],
    ]);
    // Cancelled rows go with the sent and dead ones when the outbox is pruned.
    await outbox.prune(DUE + 48 * 60 * MINUTE);
    expect(await reminderRows(b)).toEqual([]);
  });

  it('plans no reminder for an alert sent after its recovery was planned', async () => {
    await b.subscribe(chat, 'whatsapp', 'minor', T0);
    await b.run('UPDATE chats SET remind_minutes = 30');
    await outbox.enqueueIncidentEvent(incidentEvent());
    const [claim] = await outbox.claimDue('telegram', DUE, LEASE);
    await outbox.enqueueIncidentEvent(incidentEvent({ kind: 'resolved', at: DUE + 1, durationMs: 1 }));
    await outbox.settle(claim!, sentSettlement(planDelivery(claim!), 'm1', DUE + 2));
    expect(await reminderRows(b)).toEqual([]);
  });

  it('never doubles a reminder after a crash: its expired lease is reclaimed, nothing new is planned', async () => {
    await alerted();
    const due = DUE + 30 * MINUTE;
    const [lost] = await outbox.claimDue('telegram', due, LEASE);
    expect(lost?.reminder).toBeDefined();
    // The worker died here: nothing else is claimed or planned while its lease lasts.
    expect(await outbox.claimDue('telegram', due + LEASE.leaseMs - 1, LEASE)).toEqual([]);
    const other = b.secondStore();
    const [again] = await other.claimDue('telegram', due + LEASE.leaseMs, LEASE);
    expect(again?.items.map((i) => [i.id, i.attempts])).toEqual([[lost!.items[0]!.id, 1]]);
    expect(again?.reminder).toEqual({ index: 0, alertMessageId: 'm1' });
    // The lost claim can no longer settle; the reclaimed one does, and plans exactly one more.
    expect(await outbox.settle(lost!, sentSettlement(planDelivery(lost!, due), 'r0', due))).toBe(false);
    const at = due + LEASE.leaseMs;
    expect(await other.settle(again!, sentSettlement(planDelivery(again!, at), 'r1', at))).toBe(true);
    expect((await reminderRows(b)).map((r) => r.status)).toEqual(['sent', 'planned']);
  });

  it('goes back to planned when held by quiet hours or a mute, and holds no other alert back', async () => {
    await alerted();
    const due = DUE + 30 * MINUTE;
    const [claim] = await outbox.claimDue('telegram', due, LEASE);
    expect(await outbox.settle(claim!, { kind: 'hold', until: due + 1000 })).toBe(true);
    expect(await reminderRows(b)).toMatchObject([{ status: 'planned', next_attempt_at: due + 1000 }]);

    // Another incident's alert, queued meanwhile, goes out first once due, the reminder waiting.
    await b.subscribe(chat, 'github', 'minor', T0);
    const github = { incidentId: 2, serviceId: 'github', serviceName: 'GitHub', group: null };
    await outbox.enqueueIncidentEvent(incidentEvent({ ...github, at: due, startedAt: due }));
    const [alert, ...others] = await outbox.claimDue('telegram', due + GROUP_GATHER_MS, LEASE);
    expect(others).toEqual([]);
    expect(alert?.reminder).toBeUndefined();
    expect(alert?.items.map((i) => [i.incidentId, i.eventKind])).toEqual([[2, 'opened']]);
    // While that alert is in flight, the reminder waits for it; then it goes.
    expect(await outbox.claimDue('telegram', due + GROUP_GATHER_MS + 1000, LEASE)).toEqual([]);
    await outbox.settle(alert!, sentSettlement(planDelivery(alert!), 'm2', due + GROUP_GATHER_MS + 1000));
    const [reminder] = await outbox.claimDue('telegram', due + GROUP_GATHER_MS + 1000, LEASE);
    expect(reminder?.reminder).toEqual({ index: 0, alertMessageId: 'm1' });
  });
});
