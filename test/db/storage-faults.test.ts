/**
 * Writes that storage refuses, on a real SQLite file with the real migrations: the connection is
 * made read-only with `PRAGMA query_only` (SQLite then fails every write with SQLITE_READONLY, a
 * storage error like SQLITE_FULL) and made writable again. What cannot be stored waits in memory,
 * the in-memory outbox delivers meanwhile, and one catch-up stores everything in order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLLOW_UP_GATHER_MS, GROUP_GATHER_MS } from '../../src/core/delivery/grouping.js';
import { sentSettlement, planDelivery } from '../../src/core/delivery/delivery-plan.js';
import type { DetectionCommit } from '../../src/core/detection/engine.js';
import type { CheckResult } from '../../src/core/model.js';
import type { Db } from '../../src/db/database.js';
import { FailoverOutboxStore } from '../../src/db/failover-outbox-store.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteReportStore } from '../../src/db/sqlite-report-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { StorageHealth, StorageUnavailableError, storageErrorReason } from '../../src/db/storage-health.js';
import { FakeClock, buildCatalog } from '../helpers/catalog.js';
import { T0, incidentEvent, outboxRows, tempDatabase } from '../dispatch/delivery-fixtures.js';

const LEASE = { limit: 10, leaseMs: 60_000 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const catalog = buildCatalog({ services: [{ id: 'whatsapp' }] });
const MONITOR = 'whatsapp-http';

function check(at: number, status: 'up' | 'down' = 'up', monitorId = MONITOR): DetectionCommit {
  const result: CheckResult = {
    monitorId,
    status,
    reason: status === 'up' ? 'ok' : 'http-status',
    message: status === 'up' ? 'HTTP 200' : 'HTTP 503',
    latencyMs: 20,
    at,
  };
  return {
    result,
    monitor: {
      id: monitorId,
      record: {
        state: status,
        since: at,
        pending: null,
        reason: 'ok',
        message: '',
        flapping: false,
        changes: [],
      },
    } as unknown as DetectionCommit['monitor'],
    service: null,
    incident: null,
  };
}

function incident(kind: 'open' | 'resolve', at: number, incidentId = 0): DetectionCommit {
  return {
    result: null,
    monitor: null,
    service: { id: 'whatsapp', state: { status: kind === 'open' ? 'down' : 'up', since: at, evidence: [] } },
    incident: {
      decision:
        kind === 'open'
          ? { kind: 'open', severity: 'major', startedAt: at }
          : { kind: 'resolve', incidentId, durationMs: at - T0 },
      evidenceKey: '',
      event: {
        ...incidentEvent({ at, startedAt: T0, kind: kind === 'open' ? 'opened' : 'resolved' }),
        ...(kind === 'resolve' ? { durationMs: at - T0 } : {}),
      },
    },
  } as DetectionCommit;
}

interface LogCall {
  readonly level: string;
  readonly msg: string;
}

describe('storage faults', () => {
  let tmp: ReturnType<typeof tempDatabase>;
  let db: Db;
  let clock: FakeClock;
  let logs: LogCall[];
  let health: StorageHealth;
  let subs: SqliteSubscriptionStore;
  let durable: SqliteOutboxStore;
  let outbox: FailoverOutboxStore;
  let detection: SqliteDetectionStore;

  const breakStorage = () => db.pragma('query_only = ON');
  const mendStorage = () => db.pragma('query_only = OFF');

  beforeEach(() => {
    tmp = tempDatabase();
    db = tmp.open();
    clock = new FakeClock(T0);
    logs = [];
    const log = {
      error: (_o: object, msg: string) => logs.push({ level: 'error', msg }),
      warn: (_o: object, msg: string) => logs.push({ level: 'warn', msg }),
      info: (_o: object, msg: string) => logs.push({ level: 'info', msg }),
    };
    // A long retry period: the tests call catchUp themselves.
    health = new StorageHealth(db, clock, log as never, 3_600_000);
    subs = new SqliteSubscriptionStore(db);
    durable = new SqliteOutboxStore(db);
    outbox = new FailoverOutboxStore(db, durable, health);
    detection = new SqliteDetectionStore(db, catalog, { health, maxBacklogChecks: 5, maxBacklog: 8 });
    detection.addIncidentHook((e) => outbox.enqueueIncidentEvent(e));
    detection.setUnstoredIncidentHandler((e) => outbox.plan(e));
  });
  afterEach(() => {
    health.stop();
    tmp.dispose();
  });

  it('classifies storage errors by their SQLite or file system code, and nothing else', () => {
    expect(storageErrorReason(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))).toBe('disk full');
    expect(storageErrorReason(Object.assign(new Error('x'), { code: 'SQLITE_IOERR_WRITE' }))).toBe(
      'I/O error',
    );
    expect(storageErrorReason(Object.assign(new Error('x'), { code: 'SQLITE_READONLY_DBMOVED' }))).toBe(
      'read-only',
    );
    expect(storageErrorReason(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe('disk full');
    expect(
      storageErrorReason(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })),
    ).toBeNull();
    expect(storageErrorReason(new TypeError('bug'))).toBeNull();
  });

  it('keeps commits in memory in order, assigns the incident id, and stores them all at catch-up', () => {
    subs.subscribe({ platform: 'telegram', chatId: '1' }, 'whatsapp', 'minor', T0);
    const before = detection.commit(incident('open', T0));
    expect(before.incidentId).toBe(1);
    detection.commit(incident('resolve', T0 + 1000, 1));

    breakStorage();
    detection.commit(check(T0 + 2000));
    const opened = detection.commit(incident('open', T0 + 3000));
    detection.commit(check(T0 + 4000, 'down'));
    expect(opened.incidentId).toBe(2);
    expect(health.state).toMatchObject({ ok: false, reason: 'read-only', code: 'SQLITE_READONLY' });
    expect(detection.backlogFigures()).toMatchObject({ checks: 2, incidents: 1 });
    expect(db.prepare('SELECT COUNT(*) FROM incidents').pluck().get()).toBe(1);
    // Reads work: the next incident id is still past the one handed out.
    detection.commit(incident('resolve', T0 + 4500, 2));
    const another = detection.commit(incident('open', T0 + 5000));
    expect(another.incidentId).toBe(3);
    // Retrying while storage still fails changes nothing and says nothing more.
    expect(health.catchUp(true)).toBe(false);
    expect(logs.filter((l) => l.level === 'error')).toHaveLength(1);

    mendStorage();
    expect(health.catchUp(true)).toBe(true);
    expect(health.state).toEqual({ ok: true });
    expect(logs.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^database not writable \(read-only\)/),
      'database writable again: held writes stored',
    ]);
    expect(db.prepare('SELECT id, started_at FROM incidents ORDER BY id').all()).toEqual([
      { id: 1, started_at: T0 },
      { id: 2, started_at: T0 },
      { id: 3, started_at: T0 },
    ]);
    expect(db.prepare('SELECT incident_id, kind FROM incident_events ORDER BY id').all()).toEqual([
      { incident_id: 1, kind: 'opened' },
      { incident_id: 1, kind: 'resolved' },
      { incident_id: 2, kind: 'opened' },
      { incident_id: 2, kind: 'resolved' },
      { incident_id: 3, kind: 'opened' },
    ]);
    expect(db.prepare('SELECT last_status, last_at FROM monitor_state').get()).toEqual({
      last_status: 'down',
      last_at: T0 + 4000,
    });
    // The fan-out of the incidents opened during the fault, planned in memory, is stored once.
    expect(outboxRows(db).map((r) => [r.chat_id, r.event_kind, r.status])).toEqual([
      ['1', 'opened', 'pending'],
      ['1', 'resolved', 'pending'],
      ['1', 'opened', 'pending'],
      ['1', 'resolved', 'pending'],
      ['1', 'opened', 'pending'],
    ]);
    expect(detection.backlogFigures()).toMatchObject({ checks: 0, incidents: 0 });
  });

  it('drops check-only commits oldest first past their bound, never an incident change below the larger one', () => {
    breakStorage();
    for (let i = 0; i < 4; i++) detection.commit(check(T0 + i * 1000));
    detection.commit(incident('open', T0 + 4000));
    for (let i = 5; i < 9; i++) detection.commit(check(T0 + i * 1000));
    // 8 checks and 1 incident held: 3 oldest checks dropped (bound 5).
    expect(detection.backlogFigures()).toEqual({
      checks: 5,
      incidents: 1,
      droppedChecks: 3,
      droppedIncidents: 0,
    });
    mendStorage();
    expect(health.catchUp(true)).toBe(true);
    expect(db.prepare('SELECT COUNT(*) FROM incidents').pluck().get()).toBe(1);
    // The newest check is the stored state.
    expect(db.prepare('SELECT last_at FROM monitor_state').pluck().get()).toBe(T0 + 8000);
  });

  it('past the larger bound drops the oldest incident changes too, and still stores the rest', () => {
    breakStorage();
    // Five incidents opened, four resolved: 9 changes, bound 8.
    for (let n = 1; n <= 5; n++) {
      expect(detection.commit(incident('open', T0 + n * 10_000)).incidentId).toBe(n);
      if (n < 5) detection.commit(incident('resolve', T0 + n * 10_000 + 5000, n));
    }
    expect(detection.backlogFigures()).toEqual({
      checks: 0,
      incidents: 8,
      droppedChecks: 0,
      droppedIncidents: 1,
    });
    mendStorage();
    expect(health.catchUp(true)).toBe(true);
    // Incident 1's opening is lost, so its recovery is too (no event of an incident that does not
    // exist, which would also have blocked the catch-up); 2 to 5 are stored with their events.
    expect(db.prepare('SELECT id FROM incidents ORDER BY id').pluck().all()).toEqual([2, 3, 4, 5]);
    expect(db.prepare('SELECT incident_id FROM incident_events ORDER BY id').pluck().all()).toEqual([
      2, 2, 3, 3, 4, 4, 5,
    ]);
  });

  it('delivers from the in-memory outbox during the fault and stores the rows as sent afterwards', () => {
    subs.subscribe({ platform: 'telegram', chatId: '7' }, 'whatsapp', 'minor', T0);
    breakStorage();
    const { incidentId } = detection.commit(incident('open', T0));
    expect(outbox.backlogFigures()).toEqual({ rows: 1, settlements: 0 });
    // Opening alerts wait GROUP_GATHER_MS for companions, as in the database.
    expect(outbox.claimDue('telegram', T0, LEASE)).toEqual([]);
    const [claim] = outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    expect(claim?.chat.chatId).toBe('7');
    expect(claim?.items.map((i) => [i.incidentId, i.eventKind])).toEqual([[incidentId, 'opened']]);
    const job = planDelivery(claim!);
    expect(job.kind).toBe('send');
    expect(outbox.settle(claim!, sentSettlement(job, 'm-100', T0 + GROUP_GATHER_MS))).toBe(true);
    expect(outbox.claimDue('telegram', T0 + 60_000, LEASE)).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(0);

    mendStorage();
    expect(health.catchUp(true)).toBe(true);
    expect(outboxRows(db).map((r) => [r.chat_id, r.event_kind, r.status, r.platform_message_id])).toEqual([
      ['7', 'opened', 'sent', 'm-100'],
    ]);
    expect(db.prepare('SELECT incident_id, message_id, editable FROM message_refs').all()).toEqual([
      { incident_id: incidentId, message_id: 'm-100', editable: 1 },
    ]);
    // Nothing is sent twice.
    expect(outbox.claimDue('telegram', T0 + 120_000, LEASE)).toEqual([]);
    // The recovery, stored normally now, replies to the message sent from memory.
    detection.commit(incident('resolve', T0 + 200_000, incidentId!));
    const [recovery] = outbox.claimDue('telegram', T0 + 200_000 + FOLLOW_UP_GATHER_MS, LEASE);
    expect(planDelivery(recovery!)).toMatchObject({ kind: 'reply', replyToMessageId: 'm-100' });
  });

  it("an update planned in memory stays in its grouped alert's conversation: edits show the whole group", () => {
    subs.subscribe({ platform: 'telegram', chatId: '7' }, '*', 'minor', T0);
    const services = ['facebook', 'instagram', 'messenger', 'whatsapp'];
    const event = (i: number, kind: 'opened' | 'updated', at: number, status: 'down' | 'degraded') =>
      incidentEvent({
        incidentId: i + 1,
        serviceId: services[i]!,
        serviceName: services[i]!,
        kind,
        status,
        severity: status === 'down' ? 'major' : 'minor',
        at,
      });
    for (const i of [0, 1, 2, 3]) outbox.enqueueIncidentEvent(event(i, 'opened', T0, 'down'));
    const [alert] = outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    expect(alert?.items).toHaveLength(4);
    outbox.settle(alert!, sentSettlement(planDelivery(alert!), 'G0', T0 + GROUP_GATHER_MS));

    breakStorage();
    // Better, not back, for the whole group: one silent edit of the alert, showing all four.
    for (const i of [0, 1, 2, 3])
      expect(outbox.plan(event(i, 'updated', T0 + 60_000, 'degraded'))).toBe(true);
    const [calmer] = outbox.claimDue('telegram', T0 + 60_000 + FOLLOW_UP_GATHER_MS, LEASE);
    expect(calmer?.items).toHaveLength(4);
    expect(calmer?.conversation?.shown.map((e) => e.incidentId).sort()).toEqual([1, 2, 3, 4]);
    const edit = planDelivery(calmer!);
    expect(edit).toMatchObject({ kind: 'edit', editMessageId: 'G0' });
    expect(edit.events).toHaveLength(4);
    expect(outbox.settle(calmer!, sentSettlement(edit, 'G0', T0 + 70_000))).toBe(true);
    // One more change of one service: still an edit of the whole group.
    expect(outbox.plan(event(1, 'updated', T0 + 120_000, 'degraded'))).toBe(true);
    const [again] = outbox.claimDue('telegram', T0 + 120_000 + FOLLOW_UP_GATHER_MS, LEASE);
    const second = planDelivery(again!);
    expect(second).toMatchObject({ kind: 'edit', editMessageId: 'G0' });
    expect(second.events.map((e) => e.incidentId).sort()).toEqual([1, 2, 3, 4]);
  });

  it("an opening planned in memory does not edit a database's grouped alert into one without its other incidents", () => {
    subs.subscribe({ platform: 'telegram', chatId: '7' }, '*', 'minor', T0);
    const event = (incidentId: number, serviceId: string, kind: 'opened' | 'updated', at: number) =>
      incidentEvent({ incidentId, serviceId, serviceName: serviceId, kind, at, status: 'down' });
    outbox.enqueueIncidentEvent(event(1, 'facebook', 'opened', T0));
    outbox.enqueueIncidentEvent(event(2, 'instagram', 'opened', T0));
    const [alert] = outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    expect(alert?.items).toHaveLength(2);
    outbox.settle(alert!, sentSettlement(planDelivery(alert!), 'G0', T0 + GROUP_GATHER_MS));

    breakStorage();
    // An update of one of its incidents, edited into the alert from memory: the alert still shows both.
    expect(outbox.plan(event(1, 'facebook', 'updated', T0 + 10_000))).toBe(true);
    const [update] = outbox.claimDue('telegram', T0 + 10_000 + FOLLOW_UP_GATHER_MS, LEASE);
    const edit = planDelivery(update!);
    expect(edit).toMatchObject({ kind: 'edit', editMessageId: 'G0' });
    expect(edit.events.map((e) => e.incidentId).sort()).toEqual([1, 2]);
    expect(outbox.settle(update!, sentSettlement(edit, 'G0', T0 + 20_000))).toBe(true);
    // A new failure within the window: the memory holds no row of incident 2, so it cannot tell
    // that nothing of it changed since the alert: a new message, never an edit of G0 that would
    // show incidents 1 and 3 and drop 2.
    expect(outbox.plan(event(3, 'messenger', 'opened', T0 + 20_000))).toBe(true);
    const [opening] = outbox.claimDue('telegram', T0 + 20_000 + GROUP_GATHER_MS, LEASE);
    expect(opening?.items.map((i) => i.incidentId)).toEqual([3]);
    expect(opening?.mergeInto).toBeUndefined();
    expect(planDelivery(opening!).kind).toBe('send');
  });

  it("learns a grouped alert's new message from the database (an escalation reply sent meanwhile)", () => {
    subs.subscribe({ platform: 'telegram', chatId: '7' }, 'whatsapp', 'minor', T0);
    const first = detection.commit(incident('open', T0));
    const id = first.incidentId!;
    const [opening] = outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    outbox.settle(opening!, sentSettlement(planDelivery(opening!), 'a', T0 + GROUP_GATHER_MS));
    // An update is queued in the database; storage fails; the recovery is planned in memory.
    outbox.enqueueIncidentEvent(incidentEvent({ incidentId: id, kind: 'updated', at: T0 + 20_000 }));
    breakStorage();
    detection.commit(incident('resolve', T0 + 30_000, id));
    mendStorage();
    // The database delivers the update as a new message (as an escalation reply would): its reference moves.
    const [update] = outbox.claimDue('telegram', T0 + 40_000, LEASE);
    expect(update?.items.map((i) => i.eventKind)).toEqual(['updated']);
    expect(
      outbox.settle(update!, {
        kind: 'sent',
        messageId: 'b',
        at: T0 + 40_000,
        refs: [{ incidentId: id, editable: true }],
      }),
    ).toBe(true);
    const [recovery] = outbox.claimDue('telegram', T0 + 60_000, LEASE);
    expect(planDelivery(recovery!)).toMatchObject({ kind: 'reply', replyToMessageId: 'b' });
  });

  it('a recovery planned in memory says how bad the outage was at its worst', () => {
    subs.subscribe({ platform: 'telegram', chatId: '7' }, 'whatsapp', 'minor', T0);
    const { incidentId } = detection.commit(incident('open', T0));
    const [opening] = outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    outbox.settle(opening!, sentSettlement(planDelivery(opening!), 'a', T0 + GROUP_GATHER_MS));
    breakStorage();
    const resolve = incident('resolve', T0 + 60_000, incidentId!);
    const event = { ...resolve.incident!.event, severity: 'minor' as const };
    detection.commit({ ...resolve, incident: { ...resolve.incident!, event } });
    const [recovery] = outbox.claimDue('telegram', T0 + 60_000 + FOLLOW_UP_GATHER_MS, LEASE);
    expect(recovery?.items[0]?.event).toMatchObject({ kind: 'resolved', worstSeverity: 'major' });
  });

  it('keeps the forum topic of an alert sent from memory: the recovery goes to the same topic', () => {
    subs.subscribe({ platform: 'telegram', chatId: '7', threadId: '42' }, 'whatsapp', 'minor', T0);
    breakStorage();
    const { incidentId } = detection.commit(incident('open', T0));
    const [claim] = outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    expect(claim?.threadId).toBe('42');
    const job = planDelivery(claim!);
    expect(outbox.settle(claim!, sentSettlement(job, 'm-200', T0 + GROUP_GATHER_MS))).toBe(true);

    mendStorage();
    expect(health.catchUp(true)).toBe(true);
    expect(db.prepare('SELECT message_id, thread_id FROM message_refs').all()).toEqual([
      { message_id: 'm-200', thread_id: '42' },
    ]);
    detection.commit(incident('resolve', T0 + 200_000, incidentId!));
    const [recovery] = outbox.claimDue('telegram', T0 + 200_000 + FOLLOW_UP_GATHER_MS, LEASE);
    expect(recovery?.threadId).toBe('42');
    expect(planDelivery(recovery!)).toMatchObject({ kind: 'reply', replyToMessageId: 'm-200' });
  });

  it("holds an alert planned in memory for a chat's silenced service until the silence's end", () => {
    const chat = { platform: 'telegram' as const, chatId: '7' };
    subs.subscribe(chat, 'whatsapp', 'minor', T0);
    subs.setSilence(chat, 'whatsapp', T0 + HOUR, T0);
    breakStorage();
    const { incidentId } = detection.commit(incident('open', T0));
    // Set aside in memory as the database would: nothing goes out while the silence lasts.
    expect(outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE)).toEqual([]);
    expect(outbox.claimDue('telegram', T0 + HOUR - 1, LEASE)).toEqual([]);
    // A silence moved by a write the disk still took (as on a full disk, small writes may get through).
    mendStorage();
    subs.setSilence(chat, 'whatsapp', T0 + 2 * HOUR, T0 + 1000);
    breakStorage();
    expect(outbox.claimDue('telegram', T0 + HOUR + 1, LEASE)).toEqual([]);
    // At its end the incident, still open, goes out as its alert.
    const [alert] = outbox.claimDue('telegram', T0 + 2 * HOUR, LEASE);
    expect(alert?.items.map((i) => [i.incidentId, i.eventKind])).toEqual([[incidentId, 'opened']]);
    expect(planDelivery(alert!).kind).toBe('send');
  });

  it('stores a row silenced in memory as silenced; an incident that recovered inside the silence is never told', () => {
    const chat = { platform: 'telegram' as const, chatId: '7' };
    subs.subscribe(chat, 'whatsapp', 'minor', T0);
    subs.setSilence(chat, 'whatsapp', T0 + HOUR, T0);
    breakStorage();
    const { incidentId } = detection.commit(incident('open', T0));
    expect(outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE)).toEqual([]);
    detection.commit(incident('resolve', T0 + 60_000, incidentId!));
    expect(outbox.claimDue('telegram', T0 + 60_000 + FOLLOW_UP_GATHER_MS, LEASE)).toEqual([]);
    mendStorage();
    expect(health.catchUp(true)).toBe(true);
    expect(db.prepare(`SELECT event_kind, status, next_attempt_at FROM outbox ORDER BY id`).all()).toEqual([
      { event_kind: 'opened', status: 'silenced', next_attempt_at: T0 + HOUR },
      { event_kind: 'resolved', status: 'silenced', next_attempt_at: T0 + HOUR },
    ]);
    // The database's claim at the silence's end drops both: it opened and recovered inside it.
    expect(outbox.claimDue('telegram', T0 + HOUR, LEASE)).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(0);
  });

  it("a still-down reminder planned in memory waits for its service's silence, as in the database", () => {
    const chat = { platform: 'telegram' as const, chatId: '7' };
    subs.subscribe(chat, 'whatsapp', 'minor', T0);
    subs.updateSettings(chat, { remindMinutes: 30 }, T0);
    breakStorage();
    detection.commit(incident('open', T0));
    const [alert] = outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    expect(outbox.settle(alert!, sentSettlement(planDelivery(alert!), 'm-1', T0 + GROUP_GATHER_MS))).toBe(
      true,
    );
    // The chat silences the service; the /silence is a small write the disk still took.
    mendStorage();
    subs.setSilence(chat, 'whatsapp', T0 + 2 * HOUR, T0 + 60_000);
    breakStorage();
    expect(outbox.claimDue('telegram', T0 + 40 * MINUTE, LEASE)).toEqual([]);
    expect(outbox.claimDue('telegram', T0 + 2 * HOUR - 1, LEASE)).toEqual([]);
    const [reminder] = outbox.claimDue('telegram', T0 + 2 * HOUR, LEASE);
    expect(reminder?.reminder).toMatchObject({ alertMessageId: 'm-1' });
  });

  it('an /unsilence the disk still took releases what memory set aside at the next claim', () => {
    const chat = { platform: 'telegram' as const, chatId: '7' };
    subs.subscribe(chat, 'whatsapp', 'minor', T0);
    subs.setSilence(chat, 'whatsapp', T0 + HOUR, T0);
    breakStorage();
    detection.commit(incident('open', T0));
    expect(outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE)).toEqual([]);
    mendStorage();
    expect(subs.endSilence(chat, 'whatsapp', T0 + 60_000)).toBe(true);
    breakStorage();
    const [alert] = outbox.claimDue('telegram', T0 + 60_000, LEASE);
    expect(alert?.items.map((i) => i.eventKind)).toEqual(['opened']);
  });

  it('past the in-memory outbox bound plans nothing more; those alerts are queued when storage returns', () => {
    const small = new FailoverOutboxStore(db, durable, health, { maxSpareRows: 2 });
    detection.setUnstoredIncidentHandler((e) => small.plan(e));
    for (const chatId of ['1', '2', '3'])
      subs.subscribe({ platform: 'telegram', chatId }, 'whatsapp', 'minor', T0);
    breakStorage();
    const { incidentId } = detection.commit(incident('open', T0));
    expect(small.backlogFigures()).toEqual({ rows: 0, settlements: 0 });
    expect(small.claimDue('telegram', T0 + 60_000, LEASE)).toEqual([]);
    mendStorage();
    expect(health.catchUp(true)).toBe(true);
    expect(outboxRows(db).map((r) => [r.chat_id, r.event_kind, r.status])).toEqual([
      ['1', 'opened', 'pending'],
      ['2', 'opened', 'pending'],
      ['3', 'opened', 'pending'],
    ]);
    const claims = small.claimDue('telegram', T0 + 60_000, LEASE);
    expect(claims.map((c) => [c.chat.chatId, c.items[0]?.incidentId])).toEqual([
      ['1', incidentId],
      ['2', incidentId],
      ['3', incidentId],
    ]);
  });

  it('keeps a chat in order: its in-memory alerts wait while it has older rows in the database', () => {
    subs.subscribe({ platform: 'telegram', chatId: '7' }, 'whatsapp', 'minor', T0);
    const first = detection.commit(incident('open', T0));
    breakStorage();
    detection.commit(incident('resolve', T0 + 10_000, first.incidentId!));
    // The database's row cannot be leased now; the memory's recovery must not overtake it.
    expect(outbox.claimDue('telegram', T0 + 20_000, LEASE)).toEqual([]);
    mendStorage();
    // A claim while memory still holds rows: the database's opening alert goes first.
    const [opening] = outbox.claimDue('telegram', T0 + 20_000, LEASE);
    expect(opening?.items.map((i) => i.eventKind)).toEqual(['opened']);
    expect(outbox.settle(opening!, sentSettlement(planDelivery(opening!), 'm-1', T0 + 20_000))).toBe(true);
    const [recovery] = outbox.claimDue('telegram', T0 + 21_000, LEASE);
    expect(recovery?.items.map((i) => i.eventKind)).toEqual(['resolved']);
    expect(planDelivery(recovery!)).toMatchObject({ kind: 'reply', replyToMessageId: 'm-1' });
  });

  it('keeps a settlement the database refuses and stores it at catch-up; no database claims meanwhile', () => {
    subs.subscribe({ platform: 'telegram', chatId: '7' }, 'whatsapp', 'minor', T0);
    detection.commit(incident('open', T0));
    const [claim] = outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    breakStorage();
    expect(outbox.settle(claim!, sentSettlement(planDelivery(claim!), 'm-9', T0 + 6000))).toBe(true);
    expect(outbox.backlogFigures()).toEqual({ rows: 0, settlements: 1 });
    mendStorage();
    // Lease long expired: still not claimed again before the settlement is stored.
    expect(outbox.claimDue('telegram', T0 + 10 * 60_000, LEASE)).toEqual([]);
    expect(health.catchUp(true)).toBe(true);
    expect(outboxRows(db).map((r) => [r.status, r.platform_message_id])).toEqual([['sent', 'm-9']]);
    expect(outbox.claimDue('telegram', T0 + 20 * 60_000, LEASE)).toEqual([]);
  });

  it('settles a delivery in flight at catch-up on the rows where they went', () => {
    subs.subscribe({ platform: 'telegram', chatId: '7' }, 'whatsapp', 'minor', T0);
    breakStorage();
    detection.commit(incident('open', T0));
    const [claim] = outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    mendStorage();
    expect(health.catchUp(true)).toBe(true);
    expect(outboxRows(db).map((r) => r.status)).toEqual(['leased']);
    expect(outbox.settle(claim!, sentSettlement(planDelivery(claim!), 'm-5', T0 + 7000))).toBe(true);
    expect(outboxRows(db).map((r) => [r.status, r.platform_message_id])).toEqual([['sent', 'm-5']]);
  });

  it('starts on storage that takes no writes: new monitors are registered and their checks stored later', () => {
    const wider = buildCatalog({ services: [{ id: 'whatsapp' }, { id: 'github' }] });
    breakStorage();
    const restarted = new SqliteDetectionStore(db, wider, { health });
    expect(health.state).toMatchObject({ ok: false, reason: 'read-only' });
    expect(restarted.monitorRef('whatsapp-http')).toBeDefined();
    expect(restarted.monitorRef('github-http')).toBeUndefined();
    restarted.commit(check(T0, 'up', 'github-http'));
    restarted.commit(check(T0 + 1000, 'down', 'whatsapp-http'));
    expect(health.catchUp(true)).toBe(false);

    mendStorage();
    expect(health.catchUp(true)).toBe(true);
    expect(restarted.monitorRef('github-http')).toBeDefined();
    expect(
      db
        .prepare(
          'SELECT m.id, s.last_status FROM monitor_state s JOIN monitors m ON m.ref = s.monitor_ref ORDER BY m.id',
        )
        .all(),
    ).toEqual([
      { id: 'github-http', last_status: 'up' },
      { id: 'whatsapp-http', last_status: 'down' },
    ]);
  });

  it('keeps crowd reports queued, counts them in the windows, and stores them at catch-up', () => {
    const reports = new SqliteReportStore(db, { health });
    const report = (userId: string, at: number) =>
      reports.record({
        serviceId: 'whatsapp',
        platform: 'telegram',
        userId,
        chatId: '-1',
        guildId: null,
        problem: 'login',
        at,
      });
    breakStorage();
    expect(report('a', T0)).toEqual({ kind: 'counted' });
    expect(report('b', T0 + 1000)).toEqual({ kind: 'counted' });
    expect(reports.flush()).toBe(0);
    expect(report('a', T0 + 2000).kind).toBe('duplicate');
    expect(reports.reportsBetween('whatsapp', T0, T0 + 60_000)).toHaveLength(2);
    expect([...reports.reportedServices(T0, T0 + 60_000)]).toEqual(['whatsapp']);
    expect(db.prepare('SELECT COUNT(*) FROM crowd_reports').pluck().get()).toBe(0);
    expect(health.ok).toBe(false);
    mendStorage();
    expect(health.catchUp(true)).toBe(true);
    expect(db.prepare('SELECT COUNT(*) FROM crowd_reports').pluck().get()).toBe(2);
    expect(reports.reportsBetween('whatsapp', T0, T0 + 60_000)).toHaveLength(2);
  });

  it('answers a write from a command with StorageUnavailableError, and logs the fault once', () => {
    const guarded = health.guardMethods(subs, ['subscribe']);
    breakStorage();
    const chat = { platform: 'telegram' as const, chatId: '9' };
    expect(() => guarded.subscribe(chat, 'whatsapp', 'minor', T0)).toThrow(StorageUnavailableError);
    expect(() => guarded.subscribe(chat, 'whatsapp', 'minor', T0)).toThrow(/storage unavailable: read-only/);
    // Reads are not guarded and still work.
    expect(guarded.listSubscriptions(chat)).toEqual([]);
    expect(logs).toHaveLength(1);
    mendStorage();
    expect(guarded.subscribe(chat, 'whatsapp', 'minor', T0)).toEqual({ created: true });
    expect(health.ok).toBe(true);
  });
});
