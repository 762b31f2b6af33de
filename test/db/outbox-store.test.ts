import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLLOW_UP_GATHER_MS, GROUP_GATHER_MS, MAX_GROUP_EVENTS } from '../../src/core/delivery/grouping.js';
import { planDelivery, sentSettlement } from '../../src/core/delivery/delivery-plan.js';
import type { ClaimedChat, DeliveryJob } from '../../src/core/delivery/ports.js';
import type { DetectionCommit } from '../../src/core/detection/engine.js';
import type { Db } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { buildCatalog } from '../helpers/catalog.js';
import { T0, incidentEvent, outboxRows, tempDatabase } from '../dispatch/delivery-fixtures.js';

const LEASE = { limit: 10, leaseMs: 60_000 };
const DUE = T0 + GROUP_GATHER_MS;

function openCommit(at: number): DetectionCommit {
  return {
    result: null,
    monitor: null,
    service: { id: 'whatsapp', state: { status: 'down', since: at, evidence: [] } },
    incident: {
      decision: { kind: 'open', severity: 'major', startedAt: at },
      evidenceKey: '',
      event: { ...incidentEvent({ at, startedAt: at }) },
    },
  };
}

describe('SqliteOutboxStore', () => {
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

  describe('fan-out', () => {
    it('writes one row per matching chat in the same transaction as the incident', () => {
      for (const chatId of ['1', '2', '3'])
        subs.subscribe({ platform: 'telegram', chatId }, 'whatsapp', 'minor', T0);
      subs.subscribe({ platform: 'discord', chatId: '4' }, '*', 'major', T0);
      subs.subscribe({ platform: 'discord', chatId: '5' }, 'github', 'minor', T0);
      const detection = new SqliteDetectionStore(db, buildCatalog({ services: [{ id: 'whatsapp' }] }));
      detection.addIncidentHook((e) => outbox.enqueueIncidentEvent(e));

      const { incidentId } = detection.commit(openCommit(T0));

      const rows = db
        .prepare('SELECT platform, incident_id, event_kind, status FROM outbox ORDER BY id')
        .all();
      expect(rows).toEqual(
        ['telegram', 'telegram', 'telegram', 'discord'].map((platform) => ({
          platform,
          incident_id: incidentId,
          event_kind: 'opened',
          status: 'pending',
        })),
      );
      const payload = db.prepare('SELECT payload_json FROM outbox_events').get() as { payload_json: string };
      expect(JSON.parse(payload.payload_json)).toMatchObject({
        kind: 'opened',
        incidentId,
        serviceId: 'whatsapp',
      });
    });

    it('writes nothing, not even the incident, when a hook fails inside the transaction', () => {
      subs.subscribe({ platform: 'telegram', chatId: '1' }, 'whatsapp', 'minor', T0);
      const detection = new SqliteDetectionStore(db, buildCatalog({ services: [{ id: 'whatsapp' }] }));
      detection.addIncidentHook((e) => outbox.enqueueIncidentEvent(e));
      detection.addIncidentHook(() => {
        throw new Error('disk full');
      });

      expect(() => detection.commit(openCommit(T0))).toThrow('disk full');
      expect(db.prepare('SELECT COUNT(*) AS n FROM incidents').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM message_refs').get()).toEqual({ n: 0 });
    });

    it('skips deactivated chats', () => {
      subs.subscribe({ platform: 'telegram', chatId: '1' }, 'whatsapp', 'minor', T0);
      subs.subscribe({ platform: 'telegram', chatId: '2' }, 'whatsapp', 'minor', T0);
      subs.deactivateChat({ platform: 'telegram', chatId: '2' }, 'blocked', T0);
      expect(outbox.enqueueIncidentEvent(incidentEvent())).toBe(1);
    });

    it('fans one event out to 10,000 chats in one set-based statement', () => {
      const insert = db.prepare(
        "INSERT INTO chats (platform, chat_id, locale, time_zone, created_at) VALUES ('telegram', ?, 'en', 'UTC', 0)",
      );
      const sub = db.prepare(
        "INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at) VALUES (?, '*', 'minor', 0)",
      );
      db.transaction(() => {
        for (let i = 1; i <= 10_000; i++) sub.run(Number(insert.run(String(i)).lastInsertRowid));
      })();
      const detection = new SqliteDetectionStore(db, buildCatalog({ services: [{ id: 'whatsapp' }] }));
      detection.addIncidentHook((e) => outbox.enqueueIncidentEvent(e));

      detection.commit(openCommit(T0));

      expect(db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'").get()).toEqual({
        n: 10_000,
      });
      expect(db.prepare('SELECT COUNT(*) AS n FROM message_refs').get()).toEqual({ n: 10_000 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM outbox_events').get()).toEqual({ n: 1 });
    });
  });

  describe('claims', () => {
    const chat = (chatId: string) => ({ platform: 'telegram' as const, chatId });

    it('holds an opening alert back for the gather time, then leases it', () => {
      subs.subscribe(chat('1'), 'whatsapp', 'minor', T0);
      outbox.enqueueIncidentEvent(incidentEvent());
      expect(outbox.claimDue('telegram', DUE - 1, LEASE)).toEqual([]);
      const [claim] = outbox.claimDue('telegram', DUE, LEASE);
      expect(claim?.items.map((i) => i.eventKind)).toEqual(['opened']);
      expect(outboxRows(db)).toMatchObject([{ status: 'leased', next_attempt_at: DUE + LEASE.leaseMs }]);
      expect(outbox.claimDue('telegram', DUE, LEASE)).toEqual([]);
      expect(outbox.claimDue('discord', DUE + 120_000, LEASE)).toEqual([]);
    });

    it("never claims a chat's second row while its first is unfinished", () => {
      subs.subscribe(chat('1'), '*', 'minor', T0);
      outbox.enqueueIncidentEvent(incidentEvent({ kind: 'opened', incidentId: 1 }));
      // A recovery (an update would go out with the alert it follows, which still shows it).
      outbox.enqueueIncidentEvent(incidentEvent({ kind: 'resolved', incidentId: 1, at: T0 + 1 }));

      const [first] = outbox.claimDue('telegram', DUE, LEASE);
      expect(first?.items.map((i) => i.eventKind)).toEqual(['opened']);
      expect(outbox.claimDue('telegram', DUE + 1000, LEASE)).toEqual([]);
      outbox.settle(first!, { kind: 'retry', at: DUE + 30_000, error: 'timeout', countAttempt: true });
      // Even pending-but-not-due, the first row keeps the second waiting.
      expect(outbox.claimDue('telegram', DUE + 2000, LEASE)).toEqual([]);
      outbox.settle(outbox.claimDue('telegram', DUE + 30_000, LEASE)[0]!, {
        kind: 'sent',
        messageId: 'm1',
        at: DUE + 30_000,
        refs: [{ incidentId: 1, editable: true }],
      });
      const [second] = outbox.claimDue('telegram', DUE + 30_000, LEASE);
      expect(second?.items.map((i) => i.eventKind)).toEqual(['resolved']);
      expect(second?.refs.get(1)).toEqual({ messageId: 'm1', editable: true });
    });

    it('lets two workers on two connections claim disjoint chats', () => {
      for (const chatId of ['1', '2', '3', '4']) subs.subscribe(chat(chatId), '*', 'minor', T0);
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1 }));
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 1 }));
      const other = new SqliteOutboxStore(tmp.open());

      const a = outbox.claimDue('telegram', DUE, { limit: 2, leaseMs: 60_000 });
      const b = other.claimDue('telegram', DUE, { limit: 10, leaseMs: 60_000 });

      const ids = (claims: typeof a) => claims.flatMap((c) => c.items.map((i) => i.id));
      expect(a).toHaveLength(2);
      expect(b).toHaveLength(2);
      expect(new Set([...ids(a), ...ids(b)]).size).toBe(4);
      expect([...a, ...b].every((c) => c.items[0]?.eventKind === 'opened')).toBe(true);
      expect(other.claimDue('telegram', DUE, LEASE)).toEqual([]);
    });

    it("reclaims a dead worker's lease once it expires, counting the lost attempt", () => {
      subs.subscribe(chat('1'), '*', 'minor', T0);
      outbox.enqueueIncidentEvent(incidentEvent());
      const abandoned = outbox.claimDue('telegram', DUE, LEASE)[0]!;
      const other = new SqliteOutboxStore(tmp.open());

      expect(other.claimDue('telegram', DUE + LEASE.leaseMs - 1, LEASE)).toEqual([]);
      const [reclaimed] = other.claimDue('telegram', DUE + LEASE.leaseMs, LEASE);
      expect(reclaimed?.items.map((i) => ({ id: i.id, attempts: i.attempts }))).toEqual([
        { id: abandoned.items[0]?.id, attempts: 1 },
      ]);
      // The first worker comes back to life: its settlement no longer applies.
      expect(outbox.settle(abandoned, { kind: 'sent', messageId: 'x', at: DUE, refs: [] })).toBe(false);
      expect(other.settle(reclaimed!, { kind: 'sent', messageId: 'y', at: DUE, refs: [] })).toBe(true);
      expect(outboxRows(db)).toMatchObject([{ status: 'sent', attempts: 1, platform_message_id: 'y' }]);
    });

    it('groups opening alerts of one chat queued within the window, and stops at anything else', () => {
      subs.subscribe(chat('1'), '*', 'minor', T0);
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, at: T0 }));
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 2, serviceId: 'instagram', at: T0 + 20_000 }));
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 30_000 }));
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 3, serviceId: 'messenger', at: T0 + 40_000 }));

      const [claim] = outbox.claimDue('telegram', T0 + 60_000, LEASE);
      expect(claim?.items.map((i) => i.incidentId)).toEqual([1, 2]);
    });

    it('takes updates of its incidents queued before the alert went out into the alert, as openings; an update the chat has no alert of is one', () => {
      subs.subscribe(chat('1'), '*', 'minor', T0);
      const degraded = { severity: 'minor', status: 'degraded' } as const;
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, at: T0, ...degraded }));
      outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 2, serviceId: 'instagram', at: T0, ...degraded }),
      );
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'updated', at: T0 + 1000 }));
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 3, kind: 'updated', at: T0 + 1000 }));

      const [claim] = outbox.claimDue('telegram', DUE, LEASE);
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

    it('lists dead rows with their error', () => {
      subs.subscribe(chat('1'), '*', 'minor', T0);
      outbox.enqueueIncidentEvent(incidentEvent());
      const [claim] = outbox.claimDue('telegram', DUE, LEASE);
      outbox.settle(claim!, { kind: 'dead', at: DUE, error: 'HTTP 502 (gave up: attempts)' });
      expect(outbox.listDead('telegram', 10)).toEqual([
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
      expect(outbox.prune(T0 + 1)).toBe(1);
      expect(outbox.listDead('telegram', 10)).toEqual([]);
    });
  });

  describe('joining the latest alert', () => {
    const events = (job: DeliveryJob) => job.events.map((e) => [e.incidentId, e.kind]);
    /** One claim, planned and settled as delivered: `messageId` or the edited message or a new id. */
    const deliver = (now: number, messageId?: string): DeliveryJob => {
      const [claim] = outbox.claimDue('telegram', now, LEASE);
      expect(claim, `nothing due at ${now - T0} ms`).toBeDefined();
      const job = planDelivery(claim!);
      expect(
        outbox.settle(claim!, sentSettlement(job, messageId ?? job.editMessageId ?? `m${now - T0}`, now)),
      ).toBe(true);
      return job;
    };
    const open = (incidentId: number, serviceId: string, at: number, group: string | null = 'meta') =>
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId, serviceId, at, startedAt: at, group }));
    const refs = () =>
      db.prepare('SELECT incident_id, message_id, editable, joinable FROM message_refs').all();

    beforeEach(() => subs.subscribe({ platform: 'telegram', chatId: '1' }, '*', 'minor', T0));

    it('edits an alert sent 30 s before into one grouped alert; updates edit it, recoveries reply to it', () => {
      open(1, 'whatsapp', T0);
      expect(deliver(DUE, 'a')).toMatchObject({ kind: 'send' });
      open(2, 'instagram', T0 + 30_000);
      const joined = deliver(DUE + 30_000);
      expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      expect(events(joined)).toEqual([
        [1, 'opened'],
        [2, 'opened'],
      ]);
      expect(refs()).toEqual([
        { incident_id: 1, message_id: 'a', editable: 0, joinable: 1 },
        { incident_id: 2, message_id: 'a', editable: 0, joinable: 1 },
      ]);
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 2, serviceId: 'instagram', kind: 'updated' }));
      expect(deliver(DUE + 40_000)).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 2, serviceId: 'instagram', kind: 'resolved' }));
      expect(deliver(DUE + 50_000)).toMatchObject({ kind: 'reply', replyToMessageId: 'a' });
      // The other recovery, while that reply is the chat's last message: it joins the reply, silently.
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved' }));
      const joinedRecovery = deliver(DUE + 60_000);
      expect(joinedRecovery).toMatchObject({ kind: 'edit', editMessageId: `m${DUE + 50_000 - T0}` });
      expect(events(joinedRecovery)).toEqual([
        [2, 'resolved'],
        [1, 'resolved'],
      ]);
    });

    it('sends a new message 70 s after the alert of another group', () => {
      open(1, 'whatsapp', T0);
      deliver(DUE, 'a');
      open(2, 'github', T0 + 70_000, null);
      const second = deliver(DUE + 70_000);
      expect(second.kind).toBe('send');
      expect(events(second)).toEqual([[2, 'opened']]);
    });

    it('joins a service of the same group up to 10 minutes later, not after', () => {
      open(1, 'whatsapp', T0);
      deliver(DUE, 'a');
      open(2, 'instagram', T0 + 9 * 60_000);
      expect(deliver(DUE + 9 * 60_000, 'a')).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      open(3, 'messenger', T0 + 11 * 60_000);
      expect(deliver(DUE + 11 * 60_000)).toMatchObject({ kind: 'send' });
    });

    it('sends a new message once an incident of the alert has recovered', () => {
      open(1, 'whatsapp', T0);
      open(2, 'instagram', T0);
      expect(deliver(DUE, 'a')).toMatchObject({ kind: 'send' });
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 2, serviceId: 'instagram', kind: 'resolved' }));
      expect(deliver(DUE + 10_000, 'r')).toMatchObject({ kind: 'reply', replyToMessageId: 'a' });
      open(3, 'messenger', T0 + 30_000);
      expect(deliver(DUE + 30_000)).toMatchObject({ kind: 'send' });
    });

    it('does not join while an update of the alert is still queued', () => {
      open(1, 'whatsapp', T0);
      deliver(DUE, 'a');
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'updated', at: T0 + 20_000 }));
      open(2, 'instagram', T0 + 20_000);
      // The update edits the single alert first; the alert then still shows incident 1 alone.
      expect(deliver(T0 + 20_000)).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      const joined = deliver(T0 + 20_000 + GROUP_GATHER_MS);
      expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      expect(events(joined)).toEqual([
        [1, 'updated'],
        [2, 'opened'],
      ]);
    });

    it('never edits a quiet-hours summary', () => {
      open(1, 'whatsapp', T0);
      const [held] = outbox.claimDue('telegram', DUE, LEASE);
      outbox.settle(held!, { kind: 'hold', until: T0 + 10_000 });
      expect(deliver(T0 + 10_000, 's')).toMatchObject({ kind: 'summary' });
      open(2, 'instagram', T0 + 20_000);
      expect(deliver(T0 + 20_000 + GROUP_GATHER_MS)).toMatchObject({ kind: 'send' });
    });

    it('fills the alert up to MAX_GROUP_EVENTS services; the rest go out as a new message', () => {
      for (let i = 1; i < MAX_GROUP_EVENTS; i++) open(i, `s${i}`, T0);
      expect(deliver(DUE, 'a').events).toHaveLength(MAX_GROUP_EVENTS - 1);
      open(100, 'late-1', T0 + 20_000);
      open(101, 'late-2', T0 + 20_000);
      const joined = deliver(T0 + 20_000 + GROUP_GATHER_MS);
      expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      expect(joined.events).toHaveLength(MAX_GROUP_EVENTS);
      const rest = deliver(T0 + 20_000 + GROUP_GATHER_MS);
      expect(rest.kind).toBe('send');
      expect(events(rest)).toEqual([[101, 'opened']]);
    });

    it('follows the alert to the new message sent when the edited one was gone', () => {
      open(1, 'whatsapp', T0);
      deliver(DUE, 'a');
      open(2, 'instagram', T0 + 20_000);
      // The sender found message a deleted and sent the grouped alert as message b.
      expect(deliver(T0 + 20_000 + GROUP_GATHER_MS, 'b')).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      open(3, 'messenger', T0 + 45_000);
      const joined = deliver(T0 + 45_000 + GROUP_GATHER_MS);
      expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'b' });
      expect(events(joined).map(([id]) => id)).toEqual([1, 2, 3]);
    });
  });

  describe('one conversation per grouped alert', () => {
    const services = ['facebook', 'instagram', 'messenger', 'whatsapp'];
    const change = (
      kind: 'opened' | 'updated' | 'resolved',
      status: 'down' | 'degraded' | 'up',
      at: number,
    ) => {
      for (const [i, serviceId] of services.entries())
        outbox.enqueueIncidentEvent(
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
    const deliver = (now: number, messageId: string): { claim: ClaimedChat; job: DeliveryJob } => {
      const claims = outbox.claimDue('telegram', now, LEASE);
      expect(claims, `one claim at ${now - T0} ms`).toHaveLength(1);
      const claim = claims[0]!;
      const job = planDelivery(claim);
      expect(outbox.settle(claim, sentSettlement(job, job.editMessageId ?? messageId, now))).toBe(true);
      return { claim, job };
    };
    const refs = () => db.prepare('SELECT incident_id, message_id FROM message_refs ORDER BY 1').all();

    beforeEach(() => subs.subscribe({ platform: 'telegram', chatId: '1' }, '*', 'minor', T0));

    it('DNS-first outage: one alert, one reply for the escalation, a silent edit, one recovery reply', () => {
      change('opened', 'degraded', T0);
      expect(deliver(DUE, 'a').job).toMatchObject({ kind: 'send' });
      // HTTP fails too: the four services go down together.
      change('updated', 'down', T0 + 20_000);
      // Updates of a grouped alert wait a moment for the alert's other services, as recoveries do.
      expect(outbox.claimDue('telegram', T0 + 20_000, LEASE)).toEqual([]);
      const escalation = deliver(T0 + 20_000 + FOLLOW_UP_GATHER_MS, 'b');
      expect(escalation.claim.items.map((i) => [i.incidentId, i.eventKind])).toEqual(
        [1, 2, 3, 4].map((id) => [id, 'updated']),
      );
      expect(escalation.claim.conversation?.messageId).toBe('a');
      expect(escalation.claim.conversation?.shown.map((e) => [e.incidentId, e.status])).toEqual(
        [1, 2, 3, 4].map((id) => [id, 'degraded']),
      );
      expect(escalation.job).toMatchObject({ kind: 'reply', replyToMessageId: 'a', regroups: true });
      expect(refs()).toEqual([1, 2, 3, 4].map((incident_id) => ({ incident_id, message_id: 'b' })));
      // DNS is back, HTTP still fails: better, not back. A silent edit of the reply.
      change('updated', 'degraded', T0 + 60_000);
      const calmer = deliver(T0 + 60_000 + FOLLOW_UP_GATHER_MS, 'c');
      expect(calmer.job).toMatchObject({ kind: 'edit', editMessageId: 'b' });
      expect(calmer.job.events.map((e) => e.status)).toEqual(Array(4).fill('degraded'));
      // All back: the recoveries wait a moment for each other, then make one reply.
      change('resolved', 'up', T0 + 120_000);
      expect(outbox.claimDue('telegram', T0 + 120_000, LEASE)).toEqual([]);
      const back = deliver(T0 + 120_000 + FOLLOW_UP_GATHER_MS, 'd');
      expect(back.job).toMatchObject({ kind: 'reply', replyToMessageId: 'b' });
      expect(back.job.events.map((e) => [e.serviceId, e.kind])).toEqual(services.map((s) => [s, 'resolved']));
      expect(outboxRows(db).every((r) => r.status === 'sent')).toBe(true);
      const sent = db
        .prepare("SELECT COUNT(DISTINCT platform_message_id) AS n FROM outbox WHERE status = 'sent'")
        .get() as { n: number };
      expect(sent.n).toBe(3);
    });

    it('recoveries spread beyond the gather go out as separate replies, each listing its own', () => {
      change('opened', 'down', T0);
      deliver(DUE, 'a');
      outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 1, serviceId: 'facebook', kind: 'resolved', at: T0 + 60_000 }),
      );
      const first = deliver(T0 + 60_000 + FOLLOW_UP_GATHER_MS, 'r1');
      expect(first.job).toMatchObject({ kind: 'reply', replyToMessageId: 'a' });
      expect(first.job.events.map((e) => e.incidentId)).toEqual([1]);
      // A new symptom of a service already down is no escalation: a silent edit of the alert.
      outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 2, serviceId: 'instagram', kind: 'updated', at: T0 + 70_000 }),
      );
      expect(deliver(T0 + 70_000 + FOLLOW_UP_GATHER_MS, 'x').job).toMatchObject({
        kind: 'edit',
        editMessageId: 'a',
      });
    });

    it('leaves a quiet-hours summary out of it: an update replies to the summary on its own', () => {
      change('opened', 'degraded', T0);
      const [held] = outbox.claimDue('telegram', DUE, LEASE);
      outbox.settle(held!, { kind: 'hold', until: T0 + 10_000 });
      expect(deliver(T0 + 10_000, 's').job.kind).toBe('summary');
      change('updated', 'down', T0 + 20_000);
      const update = deliver(T0 + 20_000, 'u');
      expect(update.claim.conversation).toBeUndefined();
      expect(update.claim.items).toHaveLength(1);
      expect(update.job).toMatchObject({ kind: 'reply', replyToMessageId: 's' });
    });

    it('recoveries of one group spread over a check interval make one recovery reply, edited as they come', () => {
      change('opened', 'down', T0);
      deliver(DUE, 'a');
      // Checked every 60 s, each monitor at its own phase: the services come back over ~50 s.
      const back = T0 + 600_000;
      const offsets = [3_400, 7_700, 44_700, 51_500];
      const resolve = (i: number) =>
        outbox.enqueueIncidentEvent(
          incidentEvent({
            incidentId: i + 1,
            serviceId: services[i]!,
            kind: 'resolved',
            status: 'up',
            at: back + offsets[i]!,
            durationMs: back + offsets[i]! - T0,
          }),
        );
      resolve(0);
      resolve(1);
      const first = deliver(back + offsets[0]! + FOLLOW_UP_GATHER_MS, 'r');
      expect(first.job).toMatchObject({ kind: 'reply', replyToMessageId: 'a' });
      expect(first.job.events.map((e) => e.incidentId)).toEqual([1, 2]);
      resolve(2);
      const third = deliver(back + offsets[2]! + FOLLOW_UP_GATHER_MS, 'x');
      expect(third.job).toMatchObject({ kind: 'edit', editMessageId: 'r' });
      expect(third.job.events.map((e) => e.incidentId)).toEqual([1, 2, 3]);
      resolve(3);
      const last = deliver(back + offsets[3]! + FOLLOW_UP_GATHER_MS, 'y');
      expect(last.job).toMatchObject({ kind: 'edit', editMessageId: 'r' });
      expect(last.job.events.map((e) => [e.incidentId, e.kind])).toEqual(
        [1, 2, 3, 4].map((id) => [id, 'resolved']),
      );
      // One alert, one recovery notification; the references still name the alert.
      const sent = db
        .prepare("SELECT DISTINCT platform_message_id FROM outbox WHERE status = 'sent' ORDER BY id")
        .pluck()
        .all();
      expect(sent).toEqual(['a', 'r']);
      expect(refs()).toEqual([1, 2, 3, 4].map((incident_id) => ({ incident_id, message_id: 'a' })));
    });

    it("joins the recovery reply only within the group's longest check interval, and while it is the last message", () => {
      const recover = (incidentId: number, at: number) =>
        outbox.enqueueIncidentEvent(
          incidentEvent({
            incidentId,
            serviceId: services[incidentId - 1]!,
            kind: 'resolved',
            status: 'up',
            at,
          }),
        );
      change('opened', 'down', T0);
      deliver(DUE, 'a');
      recover(1, T0 + 100_000);
      deliver(T0 + 100_000 + FOLLOW_UP_GATHER_MS, 'r1');
      // 90 s later: past 60 s (the default), a reply of its own.
      recover(2, T0 + 190_000);
      expect(deliver(T0 + 190_000 + FOLLOW_UP_GATHER_MS, 'r2').job).toMatchObject({
        kind: 'reply',
        replyToMessageId: 'a',
      });
      // Within it, but another message came in between (a new alert): a reply of its own.
      outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: 9, serviceId: 'github', group: null, at: T0 + 200_000 }),
      );
      deliver(T0 + 200_000 + GROUP_GATHER_MS, 'g');
      recover(3, T0 + 210_000);
      expect(deliver(T0 + 210_000 + FOLLOW_UP_GATHER_MS, 'r3').job).toMatchObject({
        kind: 'reply',
        replyToMessageId: 'a',
      });
      // A group checked every 5 minutes: 90 s later still joins.
      outbox = new SqliteOutboxStore(db, { recoveryJoinMs: (group) => (group === 'meta' ? 300_000 : 0) });
      recover(4, T0 + 300_000);
      expect(deliver(T0 + 300_000 + FOLLOW_UP_GATHER_MS, 'x').job).toMatchObject({
        kind: 'edit',
        editMessageId: 'r3',
      });
    });

    it('a chat subscribed to major outages only: the updates that are its first news make one alert', () => {
      subs.subscribe({ platform: 'telegram', chatId: '2' }, '*', 'major', T0);
      const chat2 = () =>
        outbox.claimDue('telegram', Number.MAX_SAFE_INTEGER, LEASE).filter((c) => c.chat.chatId === '2');
      change('opened', 'degraded', T0);
      deliver(DUE, 'a');
      change('updated', 'down', T0 + 20_000);
      // Chat 1 (every alert) gets the escalation; chat 2 gets the outage's opening, one for the group.
      const claims = outbox.claimDue('telegram', T0 + 20_000 + GROUP_GATHER_MS, LEASE);
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
        outbox.settle(c, sentSettlement(j, c === opening ? 'b2' : 'b1', T0 + 30_000));
      }
      // Better, not back: a silent edit of chat 2's alert; then one recovery reply.
      change('updated', 'degraded', T0 + 60_000);
      const calmer = outbox.claimDue('telegram', T0 + 60_000 + FOLLOW_UP_GATHER_MS, LEASE);
      const calmer2 = calmer.find((c) => c.chat.chatId === '2')!;
      expect(planDelivery(calmer2)).toMatchObject({ kind: 'edit', editMessageId: 'b2' });
      for (const c of calmer) outbox.settle(c, sentSettlement(planDelivery(c), 'b2', T0 + 70_000));
      change('resolved', 'up', T0 + 120_000);
      const back = chat2();
      expect(back).toHaveLength(1);
      expect(planDelivery(back[0]!)).toMatchObject({ kind: 'reply', replyToMessageId: 'b2' });
      expect(back[0]!.items).toHaveLength(4);
    });

    it('a chat subscribed to major outages only: first news a round apart joins its alert, as openings', () => {
      const chat2 = (now: number) =>
        outbox.claimDue('telegram', now, LEASE).filter((c) => {
          if (c.chat.chatId === '2') return true;
          outbox.settle(c, sentSettlement(planDelivery(c), `c1-${now}`, now));
          return false;
        });
      subs.subscribe({ platform: 'telegram', chatId: '2' }, '*', 'major', T0);
      const down = (i: number, at: number) => {
        outbox.enqueueIncidentEvent(
          incidentEvent({
            incidentId: i,
            serviceId: services[i - 1]!,
            status: 'degraded',
            severity: 'minor',
            at,
          }),
        );
        outbox.enqueueIncidentEvent(
          incidentEvent({ incidentId: i, serviceId: services[i - 1]!, kind: 'updated', at: at + 10_000 }),
        );
      };
      down(1, T0);
      const [first] = chat2(T0 + 10_000 + GROUP_GATHER_MS);
      expect(planDelivery(first!)).toMatchObject({ kind: 'send' });
      outbox.settle(first!, sentSettlement(planDelivery(first!), 'b', T0 + 20_000));
      down(2, T0 + 30_000);
      const [second] = chat2(T0 + 40_000 + GROUP_GATHER_MS);
      const joined = planDelivery(second!);
      expect(joined).toMatchObject({ kind: 'edit', editMessageId: 'b' });
      expect(joined.events.map((e) => [e.incidentId, e.kind, e.status])).toEqual([
        [1, 'opened', 'down'],
        [2, 'opened', 'down'],
      ]);
    });

    it('a mute summary keeps the grouped alert as the conversation; recoveries after it are one reply', () => {
      change('opened', 'down', T0);
      deliver(DUE, 'a');
      // Muted: the group's updates are held, then released as a summary.
      change('updated', 'degraded', T0 + 20_000);
      const [held] = outbox.claimDue('telegram', T0 + 20_000 + FOLLOW_UP_GATHER_MS, LEASE);
      outbox.settle(held!, { kind: 'hold', until: T0 + 60_000 });
      expect(deliver(T0 + 60_000, 's').job.kind).toBe('summary');
      expect(refs()).toEqual([1, 2, 3, 4].map((incident_id) => ({ incident_id, message_id: 'a' })));
      change('resolved', 'up', T0 + 120_000);
      const back = deliver(T0 + 120_000 + FOLLOW_UP_GATHER_MS, 'r');
      expect(back.claim.items).toHaveLength(4);
      expect(back.job).toMatchObject({ kind: 'reply', replyToMessageId: 'a' });
    });

    it('a summary showing a reopening becomes the reference of that incident, as its first message of the outage', () => {
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1 }));
      deliver(DUE, 'a');
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 60_000 }));
      deliver(T0 + 60_000 + FOLLOW_UP_GATHER_MS, 'r');
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'reopened', at: T0 + 120_000 }));
      const [held] = outbox.claimDue('telegram', T0 + 120_000 + GROUP_GATHER_MS, LEASE);
      outbox.settle(held!, { kind: 'hold', until: T0 + 180_000 });
      expect(deliver(T0 + 180_000, 's').job.kind).toBe('summary');
      expect(refs()).toEqual([{ incident_id: 1, message_id: 's' }]);
    });

    it('recoveries of incidents first shown in a summary go out as one reply to it', () => {
      change('opened', 'down', T0);
      const [held] = outbox.claimDue('telegram', DUE, LEASE);
      outbox.settle(held!, { kind: 'hold', until: T0 + 10_000 });
      expect(deliver(T0 + 10_000, 's').job.kind).toBe('summary');
      change('resolved', 'up', T0 + 120_000);
      const back = deliver(T0 + 120_000 + FOLLOW_UP_GATHER_MS, 'r');
      expect(back.claim.items).toHaveLength(4);
      expect(back.job).toMatchObject({ kind: 'reply', replyToMessageId: 's' });
    });

    it('keeps a single alert as it was: the update edits it, the recovery replies', () => {
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, status: 'degraded', severity: 'minor' }));
      deliver(DUE, 'a');
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'updated', at: T0 + 20_000 }));
      const update = deliver(T0 + 20_000, 'u');
      expect(update.claim.conversation).toBeUndefined();
      expect(update.job).toMatchObject({ kind: 'edit', editMessageId: 'a' });
      outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, kind: 'resolved', at: T0 + 60_000 }));
      expect(deliver(T0 + 60_000 + FOLLOW_UP_GATHER_MS, 'r').job).toMatchObject({
        kind: 'reply',
        replyToMessageId: 'a',
      });
    });
  });
});
