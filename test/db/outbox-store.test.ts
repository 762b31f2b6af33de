import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLLOW_UP_GATHER_MS, GROUP_GATHER_MS, MAX_GROUP_EVENTS } from '../../src/core/delivery/grouping.js';
import { planDelivery, sentSettlement } from '../../src/core/delivery/delivery-plan.js';
import type { ClaimedChat, DeliveryJob } from '../../src/core/delivery/ports.js';
import { T0, incidentEvent, type OutboxRowView } from '../dispatch/delivery-fixtures.js';
import { BACKENDS, type OutboxBackend, type OutboxUnderTest, endPostgresBackend } from './outbox-backends.js';

const LEASE = { limit: 10, leaseMs: 60_000 };
const DUE = T0 + GROUP_GATHER_MS;

const OUTBOX_ROWS = `SELECT o.id, c.chat_id, o.event_kind, o.status, o.attempts, o.next_attempt_at, o.last_error,
  o.platform_message_id FROM outbox o JOIN chats c ON c.ref = o.chat_ref ORDER BY o.id`;
const outboxRows = (b: OutboxBackend) => b.all<OutboxRowView>(OUTBOX_ROWS);

afterAll(endPostgresBackend);

describe.each(BACKENDS)('outbox store (%s)', (_name, makeBackend) => {
  let b: OutboxBackend;
  let outbox: OutboxUnderTest;

  beforeEach(async () => {
    b = await makeBackend();
    outbox = b.store();
  });
  afterEach(() => b.dispose());

  describe('fan-out', () => {
    it('writes one row per matching chat in the same transaction as the incident', async () => {
      for (const chatId of ['1', '2', '3'])
        await b.subscribe({ platform: 'telegram', chatId }, 'whatsapp', 'minor', T0);
      await b.subscribe({ platform: 'discord', chatId: '4' }, '*', 'major', T0);
      await b.subscribe({ platform: 'discord', chatId: '5' }, 'github', 'minor', T0);

      const incidentId = await b.commitIncident(incidentEvent({ at: T0, startedAt: T0 }));

      const rows = await b.all('SELECT platform, incident_id, event_kind, status FROM outbox ORDER BY id');
      expect(rows).toEqual(
        ['telegram', 'telegram', 'telegram', 'discord'].map((platform) => ({
          platform,
          incident_id: incidentId,
          event_kind: 'opened',
          status: 'pending',
        })),
      );
      const [payload] = await b.all<{ payload_json: string }>('SELECT payload_json FROM outbox_events');
      expect(JSON.parse(payload!.payload_json)).toMatchObject({
        kind: 'opened',
        incidentId,
        serviceId: 'whatsapp',
      });
    });

    it('writes nothing, not even the incident, when a hook fails inside the transaction', async () => {
      await b.subscribe({ platform: 'telegram', chatId: '1' }, 'whatsapp', 'minor', T0);
      await expect(
        b.commitIncident(incidentEvent({ at: T0, startedAt: T0 }), new Error('disk full')),
      ).rejects.toThrow('disk full');
      expect(await b.all('SELECT COUNT(*) AS n FROM incidents')).toEqual([{ n: 0 }]);
      expect(await b.all('SELECT COUNT(*) AS n FROM outbox')).toEqual([{ n: 0 }]);
      expect(await b.all('SELECT COUNT(*) AS n FROM message_refs')).toEqual([{ n: 0 }]);
    });

    it('skips deactivated chats', async () => {
      await b.subscribe({ platform: 'telegram', chatId: '1' }, 'whatsapp', 'minor', T0);
      await b.subscribe({ platform: 'telegram', chatId: '2' }, 'whatsapp', 'minor', T0);
      await b.deactivate({ platform: 'telegram', chatId: '2' }, 'blocked', T0);
      expect(await outbox.enqueueIncidentEvent(incidentEvent())).toBe(1);
    });

    it('fans one event out to 10,000 chats in one set-based statement', async () => {
      await b.run(
        `WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
         INSERT INTO chats (platform, chat_id, locale, time_zone, created_at)
         SELECT 'telegram', CAST(i AS TEXT), 'en', 'UTC', 0 FROM n`,
      );
      await b.run(
        "INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at) SELECT ref, '*', 'minor', 0 FROM chats",
      );

      await b.commitIncident(incidentEvent({ at: T0, startedAt: T0 }));

      expect(await b.all("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'")).toEqual([
        { n: 10_000 },
      ]);
      expect(await b.all('SELECT COUNT(*) AS n FROM message_refs')).toEqual([{ n: 10_000 }]);
      expect(await b.all('SELECT COUNT(*) AS n FROM outbox_events')).toEqual([{ n: 1 }]);
    });
  });

  describe('claims', () => {
    const chat = (chatId: string) => ({ platform: 'telegram' as const, chatId });

    it('holds an opening alert back for the gather time, then leases it', async () => {
      await b.subscribe(chat('1'), 'whatsapp', 'minor', T0);
      await outbox.enqueueIncidentEvent(incidentEvent());
      expect(await outbox.claimDue('telegram', DUE - 1, LEASE)).toEqual([]);
      const [claim] = await outbox.claimDue('telegram', DUE, LEASE);
      expect(claim?.items.map((i) => i.eventKind)).toEqual(['opened']);
      expect(await outboxRows(b)).toMatchObject([{ status: 'leased', next_attempt_at: DUE + LEASE.leaseMs }]);
      expect(await outbox.claimDue('telegram', DUE, LEASE)).toEqual([]);
      expect(await outbox.claimDue('discord', DUE + 120_000, LEASE)).toEqual([]);
    });

    it("never claims a chat's second row while its first is unfinished", async () => {
      await b.subscribe(chat('1'), '*', 'minor', T0);
      await outbox.enqueueIncidentEvent(incidentEvent({ kind: 'opened', incidentId: 1 }));
      // A recovery (an update would go out with the alert it follows, which still shows it).
      await outbox.enqueueIncidentEvent(incidentEvent({ kind: 'resolved', incidentId: 1, at: T0 + 1 }));

      const [first] = await outbox.claimDue('telegram', DUE, LEASE);
      expect(first?.items.map((i) => i.eventKind)).toEqual(['opened']);
      expect(await outbox.claimDue('telegram', DUE + 1000, LEASE)).toEqual([]);
      await outbox.settle(first!, { kind: 'retry', at: DUE + 30_000, error: 'timeout', countAttempt: true });
      // Even pending-but-not-due, the first row keeps the second waiting.
      expect(await outbox.claimDue('telegram', DUE + 2000, LEASE)).toEqual([]);
      await outbox.settle((await outbox.claimDue('telegram', DUE + 30_000, LEASE))[0]!, {
        kind: 'sent',
        messageId: 'm1',
        at: DUE + 30_000,
        refs: [{ incidentId: 1, editable: true }],
      });
      const [second] = await outbox.claimDue('telegram', DUE + 30_000, LEASE);
      expect(second?.items.map((i) => i.eventKind)).toEqual(['resolved']);
      expect(second?.refs.get(1)).toEqual({ messageId: 'm1', editable: true });
    });

    it('lets two workers on two connections claim disjoint chats', async () => {
      for (const chatId of ['1', '2', '3', '4']) await b.subscribe(chat(chatId), '*', 'minor', T0);
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1 }));
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 1 }));
      const other = b.secondStore();

      const a = await outbox.claimDue('telegram', DUE, { limit: 2, leaseMs: 60_000 });
      const c = await other.claimDue('telegram', DUE, { limit: 10, leaseMs: 60_000 });

      const ids = (claims: typeof a) => claims.flatMap((c) => c.items.map((i) => i.id));
      expect(a).toHaveLength(2);
      expect(c).toHaveLength(2);
      expect(new Set([...ids(a), ...ids(c)]).size).toBe(4);
      expect([...a, ...c].every((c) => c.items[0]?.eventKind === 'opened')).toBe(true);
      expect(await other.claimDue('telegram', DUE, LEASE)).toEqual([]);
    });

    it("reclaims a dead worker's lease once it expires, counting the lost attempt", async () => {
      await b.subscribe(chat('1'), '*', 'minor', T0);
      await outbox.enqueueIncidentEvent(incidentEvent());
      const abandoned = (await outbox.claimDue('telegram', DUE, LEASE))[0]!;
      const other = b.secondStore();

      expect(await other.claimDue('telegram', DUE + LEASE.leaseMs - 1, LEASE)).toEqual([]);
      const [reclaimed] = await other.claimDue('telegram', DUE + LEASE.leaseMs, LEASE);
      expect(reclaimed?.items.map((i) => ({ id: i.id, attempts: i.attempts }))).toEqual([
        { id: abandoned.items[0]?.id, attempts: 1 },
      ]);
      // The first worker comes back to life: its settlement no longer applies.
      expect(await outbox.settle(abandoned, { kind: 'sent', messageId: 'x', at: DUE, refs: [] })).toBe(false);
      expect(await other.settle(reclaimed!, { kind: 'sent', messageId: 'y', at: DUE, refs: [] })).toBe(true);
      expect(await outboxRows(b)).toMatchObject([{ status: 'sent', attempts: 1, platform_message_id: 'y' }]);
    });

    it('groups opening alerts of one chat queued within the window, and stops at anything else', async () => {
      await b.subscribe(chat('1'), '*', 'minor', T0);
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, at: T0 }));
      await outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 2, serviceId: 'instagram', at: T0 + 20_000 }),
      );
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 30_000 }));
      await outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 3, serviceId: 'messenger', at: T0 + 40_000 }),
      );

      const [claim] = await outbox.claimDue('telegram', T0 + 60_000, LEASE);
      expect(claim?.items.map((i) => i.incidentId)).toEqual([1, 2]);
    });

    it('takes updates of its incidents queued before the alert went out into the alert, as openings; an update the chat has no alert of is one', async () => {
      await b.subscribe(chat('1'), '*', 'minor', T0);
      const degraded = { severity: 'minor', status: 'degraded' } as const;
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, at: T0, ...degraded }));
      await outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 2, serviceId: 'instagram', at: T0, ...degraded }),
      );
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'updated', at: T0 + 1000 }));
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 3, kind: 'updated', at: T0 + 1000 }));

      const [claim] = await outbox.claimDue('telegram', DUE, LEASE);
      // Incident 3's update is the chat's first news of it (its degraded opening went elsewhere).
      expect(claim?.items.map((i) => [i.incidentId, i.eventKind])).toEqual([
        [1, 'opened'],
        [2, 'opened'],
        [1, 'updated'],
        [3, 'opened'],
      ]);
      const job = planDelivery(claim!);
      expect(job.kind).toBe('send');
      expect(job.events.map((e) => [e.incidentId, e.kind, e.status])).toEqual([
        [1, 'opened', 'degraded'],
        [2, 'opened', 'degraded'],
        [1, 'opened', 'down'],
        [3, 'opened', 'down'],
      ]);
    });

    it('tells whether a chat has rows still to go out: pending, leased or held', async () => {
      await b.subscribe(chat('1'), '*', 'minor', T0);
      const [{ ref }] = (await b.all<{ ref: number }>('SELECT ref FROM chats')) as [{ ref: number }];
      expect(await outbox.hasUnfinished(ref)).toBe(false);
      await outbox.enqueueIncidentEvent(incidentEvent());
      expect(await outbox.hasUnfinished(ref)).toBe(true);
      const [held] = await outbox.claimDue('telegram', DUE, LEASE);
      expect(await outbox.hasUnfinished(ref)).toBe(true);
      await outbox.settle(held!, { kind: 'hold', until: DUE + 1_000 });
      expect(await outbox.hasUnfinished(ref)).toBe(true);
      const [released] = await outbox.claimDue('telegram', DUE + 1_000, LEASE);
      expect(released?.released).toBe(true);
      await outbox.settle(released!, { kind: 'sent', messageId: 's', at: DUE + 1_000, refs: [] });
      expect(await outbox.hasUnfinished(ref)).toBe(false);
      expect(await outbox.hasUnfinished(ref + 1)).toBe(false);
    });

    it('lists dead rows with their error', async () => {
      await b.subscribe(chat('1'), '*', 'minor', T0);
      await outbox.enqueueIncidentEvent(incidentEvent());
      const [claim] = await outbox.claimDue('telegram', DUE, LEASE);
      await outbox.settle(claim!, { kind: 'dead', at: DUE, error: 'HTTP 502 (gave up: attempts)' });
      expect(await outbox.listDead('telegram', 10)).toEqual([
        {
          id: claim?.items[0]?.id,
          platform: 'telegram',
          chatId: '1',
          incidentId: 1,
          eventKind: 'opened',
          attempts: 1,
          lastError: 'HTTP 502 (gave up: attempts)',
          createdAt: T0,
        },
      ]);
      expect(await outbox.prune(T0 + 1)).toBe(1);
      expect(await outbox.listDead('telegram', 10)).toEqual([]);
    });
  });

  describe('joining the latest alert', () => {
    const events = (job: DeliveryJob) => job.events.map((e) => [e.incidentId, e.kind]);
    /** One claim, planned and settled as delivered: `messageId` or the edited message or a new id. */
    const deliver = async (now: number, messageId?: string): Promise<DeliveryJob> => {
      const [claim] = await outbox.claimDue('telegram', now, LEASE);
      expect(claim, `nothing due at ${now - T0} ms`).toBeDefined();
      const job = planDelivery(claim!);
      expect(
        await outbox.settle(
          claim!,
          sentSettlement(job, messageId ?? job.editMessageId ?? `m${now - T0}`, now),
        ),
      ).toBe(true);
      return job;
    };
    const open = async (incidentId: number, serviceId: string, at: number, group: string | null = 'meta') =>
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId, serviceId, at, startedAt: at, group }));
    const refs = async () =>
      b.all('SELECT incident_id, message_id, editable, joinable FROM message_refs ORDER BY incident_id');

    beforeEach(() => b.subscribe({ platform: 'telegram', chatId: '1' }, '*', 'minor', T0));

    it('edits an alert sent 30 s before into one grouped alert; updates edit it, recoveries reply to it', async () => {
      await open(1, 'whatsapp', T0);
      expect(await deliver(DUE, 'a')).toMatchObject({ kind: 'send' });
      await open(2, 'instagram', T0 + 30_000);
      const joined = await deliver(DUE + 30_000);
      expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      expect(events(joined)).toEqual([
        [1, 'opened'],
        [2, 'opened'],
      ]);
      expect(await refs()).toEqual([
        { incident_id: 1, message_id: 'a', editable: 0, joinable: 1 },
        { incident_id: 2, message_id: 'a', editable: 0, joinable: 1 },
      ]);
      await outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 2, serviceId: 'instagram', kind: 'updated' }),
      );
      expect(await deliver(DUE + 40_000)).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      await outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 2, serviceId: 'instagram', kind: 'resolved' }),
      );
      expect(await deliver(DUE + 50_000)).toMatchObject({ kind: 'reply', replyToMessageId: 'a' });
      // The other recovery, while that reply is the chat's last message: it joins the reply, silently.
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved' }));
      const joinedRecovery = await deliver(DUE + 60_000);
      expect(joinedRecovery).toMatchObject({ kind: 'edit', editMessageId: `m${DUE + 50_000 - T0}` });
      expect(events(joinedRecovery)).toEqual([
        [2, 'resolved'],
        [1, 'resolved'],
      ]);
    });

    it('sends a new message 70 s after the alert of another group', async () => {
      await open(1, 'whatsapp', T0);
      await deliver(DUE, 'a');
      await open(2, 'github', T0 + 70_000, null);
      const second = await deliver(DUE + 70_000);
      expect(second.kind).toBe('send');
      expect(events(second)).toEqual([[2, 'opened']]);
    });

    it('joins a service of the same group up to 10 minutes later, not after', async () => {
      await open(1, 'whatsapp', T0);
      await deliver(DUE, 'a');
      await open(2, 'instagram', T0 + 9 * 60_000);
      expect(await deliver(DUE + 9 * 60_000, 'a')).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      await open(3, 'messenger', T0 + 11 * 60_000);
      expect(await deliver(DUE + 11 * 60_000)).toMatchObject({ kind: 'send' });
    });

    it('sends a new message once an incident of the alert has recovered', async () => {
      await open(1, 'whatsapp', T0);
      await open(2, 'instagram', T0);
      expect(await deliver(DUE, 'a')).toMatchObject({ kind: 'send' });
      await outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 2, serviceId: 'instagram', kind: 'resolved' }),
      );
      expect(await deliver(DUE + 10_000, 'r')).toMatchObject({ kind: 'reply', replyToMessageId: 'a' });
      await open(3, 'messenger', T0 + 30_000);
      expect(await deliver(DUE + 30_000)).toMatchObject({ kind: 'send' });
    });

    it('does not join while an update of the alert is still queued', async () => {
      await open(1, 'whatsapp', T0);
      await deliver(DUE, 'a');
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'updated', at: T0 + 20_000 }));
      await open(2, 'instagram', T0 + 20_000);
      // The update edits the single alert first; the alert then still shows incident 1 alone.
      expect(await deliver(T0 + 20_000)).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      const joined = await deliver(T0 + 20_000 + GROUP_GATHER_MS);
      expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      expect(events(joined)).toEqual([
        [1, 'updated'],
        [2, 'opened'],
      ]);
    });

    it('never edits a quiet-hours summary', async () => {
      await open(1, 'whatsapp', T0);
      const [held] = await outbox.claimDue('telegram', DUE, LEASE);
      await outbox.settle(held!, { kind: 'hold', until: T0 + 10_000 });
      expect(await deliver(T0 + 10_000, 's')).toMatchObject({ kind: 'summary' });
      await open(2, 'instagram', T0 + 20_000);
      expect(await deliver(T0 + 20_000 + GROUP_GATHER_MS)).toMatchObject({ kind: 'send' });
    });

    it('fills the alert up to MAX_GROUP_EVENTS services; the rest go out as a new message', async () => {
      for (let i = 1; i < MAX_GROUP_EVENTS; i++) await open(i, `s${i}`, T0);
      expect((await deliver(DUE, 'a')).events).toHaveLength(MAX_GROUP_EVENTS - 1);
      await open(100, 'late-1', T0 + 20_000);
      await open(101, 'late-2', T0 + 20_000);
      const joined = await deliver(T0 + 20_000 + GROUP_GATHER_MS);
      expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      expect(joined.events).toHaveLength(MAX_GROUP_EVENTS);
      const rest = await deliver(T0 + 20_000 + GROUP_GATHER_MS);
      expect(rest.kind).toBe('send');
      expect(events(rest)).toEqual([[101, 'opened']]);
    });

    it('follows the alert to the new message sent when the edited one was gone', async () => {
      await open(1, 'whatsapp', T0);
      await deliver(DUE, 'a');
      await open(2, 'instagram', T0 + 20_000);
      // The sender found message a deleted and sent the grouped alert as message b.
      expect(await deliver(T0 + 20_000 + GROUP_GATHER_MS, 'b')).toMatchObject({
        kind: 'edit',
        editMessageId: 'a',
      });
      await open(3, 'messenger', T0 + 45_000);
      const joined = await deliver(T0 + 45_000 + GROUP_GATHER_MS);
      expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'b' });
      expect(events(joined).map(([id]) => id)).toEqual([1, 2, 3]);
    });
  });

  describe('one conversation per grouped alert', () => {
    const services = ['facebook', 'instagram', 'messenger', 'whatsapp'];
    const change = async (
      kind: 'opened' | 'updated' | 'resolved',
      status: 'down' | 'degraded' | 'up',
      at: number,
    ) => {
      for (const [i, serviceId] of services.entries())
        await outbox.enqueueIncidentEvent(
          incidentEvent({
            incidentId: i + 1,
            serviceId,
            kind,
            status,
            severity: status === 'down' ? 'major' : 'minor',
            at,
            ...(kind === 'resolved' ? { durationMs: at - T0 } : {}),
          }),
        );
    };
    const deliver = async (
      now: number,
      messageId: string,
    ): Promise<{ claim: ClaimedChat; job: DeliveryJob }> => {
      const claims = await outbox.claimDue('telegram', now, LEASE);
      expect(claims, `one claim at ${now - T0} ms`).toHaveLength(1);
      const claim = claims[0]!;
      const job = planDelivery(claim);
      expect(await outbox.settle(claim, sentSettlement(job, job.editMessageId ?? messageId, now))).toBe(true);
      return { claim, job };
    };
    const refs = async () => b.all('SELECT incident_id, message_id FROM message_refs ORDER BY 1');

    beforeEach(() => b.subscribe({ platform: 'telegram', chatId: '1' }, '*', 'minor', T0));

    it('DNS-first outage: one alert, one reply for the escalation, a silent edit, one recovery reply', async () => {
      await change('opened', 'degraded', T0);
      expect((await deliver(DUE, 'a')).job).toMatchObject({ kind: 'send' });
      // HTTP fails too: the four services go down together.
      await change('updated', 'down', T0 + 20_000);
      // Updates of a grouped alert wait a moment for the alert's other services, as recoveries do.
      expect(await outbox.claimDue('telegram', T0 + 20_000, LEASE)).toEqual([]);
      const escalation = await deliver(T0 + 20_000 + FOLLOW_UP_GATHER_MS, 'b');
      expect(escalation.claim.items.map((i) => [i.incidentId, i.eventKind])).toEqual(
        [1, 2, 3, 4].map((id) => [id, 'updated']),
      );
      expect(escalation.claim.conversation?.messageId).toBe('a');
      expect(escalation.claim.conversation?.shown.map((e) => [e.incidentId, e.status])).toEqual(
        [1, 2, 3, 4].map((id) => [id, 'degraded']),
      );
      expect(escalation.job).toMatchObject({ kind: 'reply', replyToMessageId: 'a', regroups: true });
      expect(await refs()).toEqual([1, 2, 3, 4].map((incident_id) => ({ incident_id, message_id: 'b' })));
      // DNS is back, HTTP still fails: better, not back. A silent edit of the reply.
      await change('updated', 'degraded', T0 + 60_000);
      const calmer = await deliver(T0 + 60_000 + FOLLOW_UP_GATHER_MS, 'c');
      expect(calmer.job).toMatchObject({ kind: 'edit', editMessageId: 'b' });
      expect(calmer.job.events.map((e) => e.status)).toEqual(Array(4).fill('degraded'));
      // All back: the recoveries wait a moment for each other, then make one reply.
      await change('resolved', 'up', T0 + 120_000);
      expect(await outbox.claimDue('telegram', T0 + 120_000, LEASE)).toEqual([]);
      const back = await deliver(T0 + 120_000 + FOLLOW_UP_GATHER_MS, 'd');
      expect(back.job).toMatchObject({ kind: 'reply', replyToMessageId: 'b' });
      expect(back.job.events.map((e) => [e.serviceId, e.kind])).toEqual(services.map((s) => [s, 'resolved']));
      expect((await outboxRows(b)).every((r) => r.status === 'sent')).toBe(true);
      const [sent] = await b.all<{ n: number }>(
        "SELECT COUNT(DISTINCT platform_message_id) AS n FROM outbox WHERE status = 'sent'",
      );
      expect(sent?.n).toBe(3);
    });

    it('recoveries spread beyond the gather go out as separate replies, each listing its own', async () => {
      await change('opened', 'down', T0);
      await deliver(DUE, 'a');
      await outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 1, serviceId: 'facebook', kind: 'resolved', at: T0 + 60_000 }),
      );
      const first = await deliver(T0 + 60_000 + FOLLOW_UP_GATHER_MS, 'r1');
      expect(first.job).toMatchObject({ kind: 'reply', replyToMessageId: 'a' });
      expect(first.job.events.map((e) => e.incidentId)).toEqual([1]);
      // A new symptom of a service already down is no escalation: a silent edit of the alert.
      await outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 2, serviceId: 'instagram', kind: 'updated', at: T0 + 70_000 }),
      );
      expect((await deliver(T0 + 70_000 + FOLLOW_UP_GATHER_MS, 'x')).job).toMatchObject({
        kind: 'edit',
        editMessageId: 'a',
      });
    });

    it('leaves a quiet-hours summary out of it: an update replies to the summary on its own', async () => {
      await change('opened', 'degraded', T0);
      const [held] = await outbox.claimDue('telegram', DUE, LEASE);
      await outbox.settle(held!, { kind: 'hold', until: T0 + 10_000 });
      expect((await deliver(T0 + 10_000, 's')).job.kind).toBe('summary');
      await change('updated', 'down', T0 + 20_000);
      const update = await deliver(T0 + 20_000, 'u');
      expect(update.claim.conversation).toBeUndefined();
      expect(update.claim.items).toHaveLength(1);
      expect(update.job).toMatchObject({ kind: 'reply', replyToMessageId: 's' });
    });

    it('recoveries of one group spread over a check interval make one recovery reply, edited as they come', async () => {
      await change('opened', 'down', T0);
      await deliver(DUE, 'a');
      // Checked every 60 s, each monitor at its own phase: the services come back over ~50 s.
      const back = T0 + 600_000;
      const offsets = [3_400, 7_700, 44_700, 51_500];
      const resolve = async (i: number) =>
        await outbox.enqueueIncidentEvent(
          incidentEvent({
            incidentId: i + 1,
            serviceId: services[i]!,
            kind: 'resolved',
            status: 'up',
            at: back + offsets[i]!,
            durationMs: back + offsets[i]! - T0,
          }),
        );
      await resolve(0);
      await resolve(1);
      const first = await deliver(back + offsets[0]! + FOLLOW_UP_GATHER_MS, 'r');
      expect(first.job).toMatchObject({ kind: 'reply', replyToMessageId: 'a' });
      expect(first.job.events.map((e) => e.incidentId)).toEqual([1, 2]);
      await resolve(2);
      const third = await deliver(back + offsets[2]! + FOLLOW_UP_GATHER_MS, 'x');
      expect(third.job).toMatchObject({ kind: 'edit', editMessageId: 'r' });
      expect(third.job.events.map((e) => e.incidentId)).toEqual([1, 2, 3]);
      await resolve(3);
      const last = await deliver(back + offsets[3]! + FOLLOW_UP_GATHER_MS, 'y');
      expect(last.job).toMatchObject({ kind: 'edit', editMessageId: 'r' });
      expect(last.job.events.map((e) => [e.incidentId, e.kind])).toEqual(
        [1, 2, 3, 4].map((id) => [id, 'resolved']),
      );
      // One alert, one recovery notification; the references still name the alert.
      // The messages in the order they were first sent.
      const sent = await b.all<{ platform_message_id: string }>(
        "SELECT platform_message_id FROM outbox WHERE status = 'sent' GROUP BY platform_message_id ORDER BY MIN(id)",
      );
      expect(sent.map((r) => r.platform_message_id)).toEqual(['a', 'r']);
      expect(await refs()).toEqual([1, 2, 3, 4].map((incident_id) => ({ incident_id, message_id: 'a' })));
    });

    it("joins the recovery reply only within the group's longest check interval, and while it is the last message", async () => {
      const recover = async (incidentId: number, at: number) =>
        await outbox.enqueueIncidentEvent(
          incidentEvent({
            incidentId,
            serviceId: services[incidentId - 1]!,
            kind: 'resolved',
            status: 'up',
            at,
          }),
        );
      await change('opened', 'down', T0);
      await deliver(DUE, 'a');
      await recover(1, T0 + 100_000);
      await deliver(T0 + 100_000 + FOLLOW_UP_GATHER_MS, 'r1');
      // 90 s later: past 60 s (the default), a reply of its own.
      await recover(2, T0 + 190_000);
      expect((await deliver(T0 + 190_000 + FOLLOW_UP_GATHER_MS, 'r2')).job).toMatchObject({
        kind: 'reply',
        replyToMessageId: 'a',
      });
      // Within it, but another message came in between (a new alert): a reply of its own.
      await outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 9, serviceId: 'github', group: null, at: T0 + 200_000 }),
      );
      await deliver(T0 + 200_000 + GROUP_GATHER_MS, 'g');
      await recover(3, T0 + 210_000);
      expect((await deliver(T0 + 210_000 + FOLLOW_UP_GATHER_MS, 'r3')).job).toMatchObject({
        kind: 'reply',
        replyToMessageId: 'a',
      });
      // A group checked every 5 minutes: 90 s later still joins.
      outbox = b.store({ recoveryJoinMs: (group) => (group === 'meta' ? 300_000 : 0) });
      await recover(4, T0 + 300_000);
      expect((await deliver(T0 + 300_000 + FOLLOW_UP_GATHER_MS, 'x')).job).toMatchObject({
        kind: 'edit',
        editMessageId: 'r3',
      });
    });

    it('a chat subscribed to major outages only: the updates that are its first news make one alert', async () => {
      await b.subscribe({ platform: 'telegram', chatId: '2' }, '*', 'major', T0);
      const chat2 = async () =>
        (await outbox.claimDue('telegram', Number.MAX_SAFE_INTEGER, LEASE)).filter(
          (c) => c.chat.chatId === '2',
        );
      await change('opened', 'degraded', T0);
      await deliver(DUE, 'a');
      await change('updated', 'down', T0 + 20_000);
      // Chat 1 (every alert) gets the escalation; chat 2 gets the outage's opening, one for the group.
      const claims = await outbox.claimDue('telegram', T0 + 20_000 + GROUP_GATHER_MS, LEASE);
      expect(claims.map((c) => c.chat.chatId).sort()).toEqual(['1', '2']);
      const opening = claims.find((c) => c.chat.chatId === '2')!;
      expect(opening.items.map((i) => [i.incidentId, i.eventKind])).toEqual(
        [1, 2, 3, 4].map((id) => [id, 'opened']),
      );
      const job = planDelivery(opening);
      expect(job.kind).toBe('send');
      expect(job.events.map((e) => [e.kind, e.status])).toEqual(Array(4).fill(['opened', 'down']));
      for (const c of claims) {
        const j = planDelivery(c);
        await outbox.settle(c, sentSettlement(j, c === opening ? 'b2' : 'b1', T0 + 30_000));
      }
      // Better, not back: a silent edit of chat 2's alert; then one recovery reply.
      await change('updated', 'degraded', T0 + 60_000);
      const calmer = await outbox.claimDue('telegram', T0 + 60_000 + FOLLOW_UP_GATHER_MS, LEASE);
      const calmer2 = calmer.find((c) => c.chat.chatId === '2')!;
      expect(planDelivery(calmer2)).toMatchObject({ kind: 'edit', editMessageId: 'b2' });
      for (const c of calmer) await outbox.settle(c, sentSettlement(planDelivery(c), 'b2', T0 + 70_000));
      await change('resolved', 'up', T0 + 120_000);
      const back = await chat2();
      expect(back).toHaveLength(1);
      expect(planDelivery(back[0]!)).toMatchObject({ kind: 'reply', replyToMessageId: 'b2' });
      expect(back[0]!.items).toHaveLength(4);
    });

    it('a chat subscribed to major outages only: first news a round apart joins its alert, as openings', async () => {
      const chat2 = async (now: number) => {
        const claims = [];
        for (const c of await outbox.claimDue('telegram', now, LEASE)) {
          if (c.chat.chatId === '2') claims.push(c);
          else await outbox.settle(c, sentSettlement(planDelivery(c), `c1-${now}`, now));
        }
        return claims;
      };
      await b.subscribe({ platform: 'telegram', chatId: '2' }, '*', 'major', T0);
      const down = async (i: number, at: number) => {
        await outbox.enqueueIncidentEvent(
          incidentEvent({
            incidentId: i,
            serviceId: services[i - 1]!,
            status: 'degraded',
            severity: 'minor',
            at,
          }),
        );
        await outbox.enqueueIncidentEvent(
          incidentEvent({ incidentId: i, serviceId: services[i - 1]!, kind: 'updated', at: at + 10_000 }),
        );
      };
      await down(1, T0);
      const [first] = await chat2(T0 + 10_000 + GROUP_GATHER_MS);
      expect(planDelivery(first!)).toMatchObject({ kind: 'send' });
      await outbox.settle(first!, sentSettlement(planDelivery(first!), 'b', T0 + 20_000));
      await down(2, T0 + 30_000);
      const [second] = await chat2(T0 + 40_000 + GROUP_GATHER_MS);
      const joined = planDelivery(second!);
      expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'b' });
      expect(joined.events.map((e) => [e.incidentId, e.kind, e.status])).toEqual([
        [1, 'opened', 'down'],
        [2, 'opened', 'down'],
      ]);
    });

    it('a mute summary keeps the grouped alert as the conversation; recoveries after it are one reply', async () => {
      await change('opened', 'down', T0);
      await deliver(DUE, 'a');
      // Muted: the group's updates are held, then released as a summary.
      await change('updated', 'degraded', T0 + 20_000);
      const [held] = await outbox.claimDue('telegram', T0 + 20_000 + FOLLOW_UP_GATHER_MS, LEASE);
      await outbox.settle(held!, { kind: 'hold', until: T0 + 60_000 });
      expect((await deliver(T0 + 60_000, 's')).job.kind).toBe('summary');
      expect(await refs()).toEqual([1, 2, 3, 4].map((incident_id) => ({ incident_id, message_id: 'a' })));
      await change('resolved', 'up', T0 + 120_000);
      const back = await deliver(T0 + 120_000 + FOLLOW_UP_GATHER_MS, 'r');
      expect(back.claim.items).toHaveLength(4);
      expect(back.job).toMatchObject({ kind: 'reply', replyToMessageId: 'a' });
    });

    it('a summary showing a reopening becomes the reference of that incident, as its first message of the outage', async () => {
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1 }));
      await deliver(DUE, 'a');
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 60_000 }));
      await deliver(T0 + 60_000 + FOLLOW_UP_GATHER_MS, 'r');
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'reopened', at: T0 + 120_000 }));
      const [held] = await outbox.claimDue('telegram', T0 + 120_000 + GROUP_GATHER_MS, LEASE);
      await outbox.settle(held!, { kind: 'hold', until: T0 + 180_000 });
      expect((await deliver(T0 + 180_000, 's')).job.kind).toBe('summary');
      expect(await refs()).toEqual([{ incident_id: 1, message_id: 's' }]);
    });

    it('recoveries of incidents first shown in a summary go out as one reply to it', async () => {
      await change('opened', 'down', T0);
      const [held] = await outbox.claimDue('telegram', DUE, LEASE);
      await outbox.settle(held!, { kind: 'hold', until: T0 + 10_000 });
      expect((await deliver(T0 + 10_000, 's')).job.kind).toBe('summary');
      await change('resolved', 'up', T0 + 120_000);
      const back = await deliver(T0 + 120_000 + FOLLOW_UP_GATHER_MS, 'r');
      expect(back.claim.items).toHaveLength(4);
      expect(back.job).toMatchObject({ kind: 'reply', replyToMessageId: 's' });
    });

    it('keeps a single alert as it was: the update edits it, the recovery replies', async () => {
      await outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 1, status: 'degraded', severity: 'minor' }),
      );
      await deliver(DUE, 'a');
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'updated', at: T0 + 20_000 }));
      const update = await deliver(T0 + 20_000, 'u');
      expect(update.claim.conversation).toBeUndefined();
      expect(update.job).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 60_000 }));
      expect((await deliver(T0 + 60_000 + FOLLOW_UP_GATHER_MS, 'r')).job).toMatchObject({
        kind: 'reply',
        replyToMessageId: 'a',
      });
    });
  });
});
