import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLLOW_UP_GATHER_MS, GROUP_GATHER_MS } from '../../src/core/delivery/grouping.js';
import type { ChatAddress, DeliveryResult } from '../../src/core/delivery/ports.js';
import type { RetryPolicy } from '../../src/core/delivery/retry-policy.js';
import type { IncidentNote, NoteStore } from '../../src/core/incident-notes.js';
import type { Db } from '../../src/db/database.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { OutboxWorker } from '../../src/dispatch/outbox-worker.js';
import { Pacer, UNPACED, type PacingPolicy } from '../../src/dispatch/pacer.js';
import { TELEGRAM_PACING } from '../../src/platforms/telegram/telegram-settings.js';
import { asyncPort } from '../helpers/async-port.js';
import { FakeClock } from '../helpers/catalog.js';
import {
  ScriptedSender,
  T0,
  deferred,
  fakeSleep,
  incidentEvent,
  outboxRows,
  silentLog,
  tempDatabase,
} from './delivery-fixtures.js';

const DUE = T0 + GROUP_GATHER_MS;
const RETRY: RetryPolicy = { baseMs: 10_000, capMs: 60_000, maxAttempts: 3, maxAgeMs: 24 * 3_600_000 };
const group: ChatAddress = { platform: 'telegram', chatId: '-100' };

describe('OutboxWorker', () => {
  let tmp: ReturnType<typeof tempDatabase>;
  let db: Db;
  let clock: FakeClock;
  let subs: SqliteSubscriptionStore;
  let outbox: SqliteOutboxStore;
  let sender: ScriptedSender;

  const worker = (
    options: {
      pacing?: PacingPolicy;
      store?: SqliteOutboxStore;
      sender?: ScriptedSender;
      concurrency?: number;
      onResult?: (result: DeliveryResult) => void;
      notes?: Pick<NoteStore, 'notesOf'>;
      /** The stores answer on a later event-loop turn, as PostgreSQL's do. */
      asynchronous?: boolean;
    } = {},
  ) => {
    const sleep = fakeSleep(clock);
    const store = options.store ?? outbox;
    return new OutboxWorker(
      {
        store: options.asynchronous ? asyncPort(store) : store,
        subscriptions: options.asynchronous ? asyncPort(subs) : subs,
        sender: options.sender ?? sender,
        pacer: new Pacer(options.pacing ?? UNPACED, clock, sleep),
        clock,
        log: silentLog,
        sleep,
        // Jitter at its maximum: the retry comes after exactly the nominal delay.
        random: () => 1,
        ...(options.onResult ? { onResult: options.onResult } : {}),
        ...(options.notes ? { notes: options.notes } : {}),
      },
      { retry: RETRY, concurrency: options.concurrency ?? 4 },
    );
  };

  beforeEach(() => {
    tmp = tempDatabase();
    db = tmp.open();
    clock = new FakeClock(DUE);
    subs = new SqliteSubscriptionStore(db);
    outbox = new SqliteOutboxStore(db);
    sender = new ScriptedSender('telegram');
    subs.subscribe(group, 'whatsapp', 'minor', T0);
  });
  afterEach(() => tmp.dispose());

  it('delivers an opening alert and records its message for later edits', async () => {
    outbox.enqueueIncidentEvent(incidentEvent());
    expect(await worker().runOnce()).toBe(1);
    expect(sender.jobs).toEqual([
      {
        chatId: '-100',
        kind: 'send',
        events: [incidentEvent()],
        settings: { locale: 'en', timeZone: 'UTC', mentionRoleId: null },
      },
    ]);
    expect(outboxRows(db)).toMatchObject([{ status: 'sent', platform_message_id: 'm100' }]);
    expect(db.prepare('SELECT message_id, editable FROM message_refs').all()).toEqual([
      { message_id: 'm100', editable: 1 },
    ]);
  });

  it("shows the incident's latest note in every later edit of its alert, not in the recovery", async () => {
    const note = (id: number, text: string): IncidentNote => ({
      id,
      incidentId: incidentEvent().incidentId,
      serviceId: 'whatsapp',
      at: T0 + id,
      authorName: 'Ana',
      mark: id === 2 ? 'identified' : null,
      text,
    });
    let notes: IncidentNote[] = [];
    let failing = false;
    const w = worker({
      notes: {
        notesOf: (ids) => {
          if (failing) throw new Error('database away');
          return notes.filter((n) => ids.includes(n.incidentId));
        },
      },
    });
    outbox.enqueueIncidentEvent(incidentEvent());
    await w.runOnce();
    notes = [note(1, 'looking'), note(2, 'bad deploy')];
    // A detection update after the note: the edit still shows the latest note.
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'updated', severity: 'minor', at: DUE }));
    await w.runOnce();
    failing = true;
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'updated', severity: 'major', at: DUE }));
    await w.runOnce();
    failing = false;
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'resolved', at: DUE, durationMs: 60_000 }));
    clock.advance(FOLLOW_UP_GATHER_MS);
    await w.runOnce();
    expect(sender.jobs.map((j) => [j.kind, j.events.map((e) => e.note?.text ?? null)])).toEqual([
      ['send', [null]],
      ['edit', ['bad deploy']],
      // The notes could not be read: the edit goes out without them rather than not at all.
      ['edit', [null]],
      ['reply', [null]],
    ]);
    expect(sender.jobs[1]?.events[0]?.note).toEqual({
      authorName: 'Ana',
      mark: 'identified',
      text: 'bad deploy',
    });
  });

  it('edits the opening alert on an update and replies to it with the recovery', async () => {
    const w = worker();
    outbox.enqueueIncidentEvent(incidentEvent());
    await w.runOnce();
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'updated', severity: 'minor', at: DUE }));
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'resolved', at: DUE, durationMs: 60_000 }));
    await w.runOnce();
    // The recovery waits a moment for companions to reply together with.
    clock.advance(FOLLOW_UP_GATHER_MS);
    await w.runOnce();
    expect(sender.jobs.map((j) => [j.kind, j.editMessageId ?? j.replyToMessageId ?? null])).toEqual([
      ['send', null],
      ['edit', 'm100'],
      ['reply', 'm100'],
    ]);
    expect(outboxRows(db).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('sends to the subscription topic; a topic gone moves its subscriptions to General for good', async () => {
    subs.subscribe({ ...group, threadId: '7' }, 'whatsapp', 'minor', T0);
    subs.subscribe({ ...group, threadId: '7' }, 'github', 'minor', T0);
    sender.answer({ kind: 'sent', messageId: 'g1', threadGone: true });
    outbox.enqueueIncidentEvent(incidentEvent());
    const w = worker();
    await w.runOnce();
    expect(sender.jobs.map((j) => j.threadId)).toEqual(['7']);
    expect(outboxRows(db)).toMatchObject([{ status: 'sent', platform_message_id: 'g1' }]);
    expect(subs.listSubscriptions(group).map((s) => [s.serviceId, s.threadId])).toEqual([
      ['github', null],
      ['whatsapp', null],
    ]);
    // The recovery and the next incident go to General straight away.
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'resolved', at: DUE }));
    clock.advance(FOLLOW_UP_GATHER_MS);
    await w.runOnce();
    outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 2, at: clock.now(), startedAt: clock.now() }));
    clock.advance(GROUP_GATHER_MS);
    await w.runOnce();
    expect(sender.jobs.map((j) => [j.kind, j.threadId])).toEqual([
      ['send', '7'],
      ['reply', undefined],
      ['send', undefined],
    ]);
  });

  it('retries a transient failure after the backoff, then succeeds', async () => {
    sender.answer({ kind: 'transient', error: 'HTTP 502' });
    outbox.enqueueIncidentEvent(incidentEvent());
    const w = worker();
    await w.runOnce();
    expect(outboxRows(db)).toMatchObject([
      { status: 'pending', attempts: 1, last_error: 'HTTP 502', next_attempt_at: DUE + RETRY.baseMs },
    ]);
    clock.advance(RETRY.baseMs - 1);
    expect(await w.runOnce()).toBe(0);
    clock.advance(1);
    await w.runOnce();
    expect(sender.jobs).toHaveLength(2);
    expect(outboxRows(db)).toMatchObject([{ status: 'sent', attempts: 1 }]);
  });

  it('gives up after the last attempt: the row is dead with its error', async () => {
    const down: DeliveryResult = { kind: 'transient', error: 'ETIMEDOUT' };
    sender.answer(down, down, down);
    outbox.enqueueIncidentEvent(incidentEvent());
    const w = worker();
    await w.runOnce();
    clock.advance(RETRY.baseMs);
    await w.runOnce();
    clock.advance(RETRY.baseMs * 2);
    await w.runOnce();
    expect(sender.jobs).toHaveLength(3);
    expect(outboxRows(db)).toMatchObject([
      { status: 'dead', attempts: 3, last_error: 'ETIMEDOUT (gave up: attempts)' },
    ]);
    expect(outbox.listDead('telegram', 5)).toHaveLength(1);
    clock.advance(RETRY.capMs);
    expect(await w.runOnce()).toBe(0);
  });

  it('waits exactly retry_after after a 429 and counts no attempt', async () => {
    sender.answer({ kind: 'rate-limited', retryAfterMs: 7000 });
    outbox.enqueueIncidentEvent(incidentEvent());
    const w = worker();
    await w.runOnce();
    expect(outboxRows(db)).toMatchObject([{ status: 'pending', attempts: 0, next_attempt_at: DUE + 7000 }]);
    clock.advance(6999);
    expect(await w.runOnce()).toBe(0);
    clock.advance(1);
    await w.runOnce();
    expect(sender.jobs).toHaveLength(2);
    expect(outboxRows(db)).toMatchObject([{ status: 'sent', attempts: 0 }]);
  });

  it('tells onResult how every attempt ended (the delivery metrics)', async () => {
    const seen: string[] = [];
    sender.answer({ kind: 'rate-limited', retryAfterMs: 2000 }, { kind: 'transient', error: 'HTTP 502' });
    outbox.enqueueIncidentEvent(incidentEvent());
    const w = worker({ onResult: (result) => seen.push(result.kind) });
    await w.runOnce();
    clock.advance(2000);
    await w.runOnce();
    clock.advance(RETRY.baseMs);
    await w.runOnce();
    expect(seen).toEqual(['rate-limited', 'transient', 'sent']);
  });

  it('pauses the whole platform after a global 429', async () => {
    subs.subscribe({ platform: 'telegram', chatId: '7' }, 'whatsapp', 'minor', T0);
    const waits: number[] = [];
    sender.answer({ kind: 'rate-limited', retryAfterMs: 1500, global: true }, (job) => {
      waits.push(clock.now());
      return { kind: 'sent', messageId: `for-${job.chatId}` };
    });
    outbox.enqueueIncidentEvent(incidentEvent());
    await worker({ pacing: UNPACED, concurrency: 1 }).runOnce();
    // The second chat's delivery waited for the global pause (through the fake sleep) before going out.
    expect(waits).toEqual([DUE + 1500]);
  });

  it('rewrites a migrated chat and delivers to its new id', async () => {
    sender.answer({ kind: 'chat-moved', newChatId: '-1001234' });
    outbox.enqueueIncidentEvent(incidentEvent());
    const w = worker();
    await w.runOnce();
    await w.runOnce();
    expect(sender.jobs.map((j) => j.chatId)).toEqual(['-100', '-1001234']);
    expect(subs.listSubscriptions({ platform: 'telegram', chatId: '-1001234' })).toHaveLength(1);
    expect(subs.getChat(group)).toBeNull();
    expect(outboxRows(db)).toMatchObject([{ chat_id: '-1001234', status: 'sent', attempts: 0 }]);
  });

  it('deactivates a chat that blocked or kicked the bot, with the reason, and drops its queue', async () => {
    sender.answer({ kind: 'permanent', reason: 'Forbidden: bot was kicked from the group chat' });
    outbox.enqueueIncidentEvent(incidentEvent());
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'updated', at: T0 + 1 }));
    await worker().runOnce();
    expect(subs.getChat(group)).toMatchObject({
      active: false,
      deactivatedReason: 'Forbidden: bot was kicked from the group chat',
    });
    expect(outboxRows(db).map((r) => r.status)).toEqual(['dead', 'dead']);
    outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 2 }));
    expect(outboxRows(db)).toHaveLength(2);
  });

  it('kills a refused delivery at once but keeps the chat and delivers its next alert', async () => {
    sender.answer({ kind: 'rejected', reason: 'HTTP 400: bad payload' });
    outbox.enqueueIncidentEvent(incidentEvent());
    await worker().runOnce();
    expect(outboxRows(db)).toMatchObject([
      { status: 'dead', last_error: 'HTTP 400: bad payload', attempts: 1 },
    ]);
    expect(subs.getChat(group)).toMatchObject({ active: true, deactivatedReason: null });
    outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 2 }));
    await worker().runOnce();
    expect(outboxRows(db).map((r) => r.status)).toEqual(['dead', 'sent']);
  });

  it('holds alerts during quiet hours and sends one summary when they end', async () => {
    // 17:20 UTC is 23:20 in Dhaka: inside 23:00-07:00.
    subs.subscribe(group, 'github', 'minor', T0);
    subs.updateSettings(
      group,
      { timeZone: 'Asia/Dhaka', quietHours: { startMinute: 23 * 60, endMinute: 7 * 60 } },
      T0,
    );
    const w = worker();
    outbox.enqueueIncidentEvent(incidentEvent());
    await w.runOnce();
    const morning = Date.UTC(2024, 2, 20, 1, 0, 0); // 07:00 in Dhaka
    expect(outboxRows(db)).toMatchObject([{ status: 'held', next_attempt_at: morning }]);
    clock.set(T0 + 3_600_000);
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'resolved', at: clock.now(), durationMs: 3_600_000 }));
    outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 2, serviceId: 'github', at: clock.now() }));
    clock.advance(GROUP_GATHER_MS);
    await w.runOnce();
    expect(sender.jobs).toEqual([]);

    clock.set(morning);
    expect(await w.runOnce()).toBe(1);
    expect(sender.jobs).toHaveLength(1);
    expect(sender.jobs[0]?.kind).toBe('summary');
    expect(sender.jobs[0]?.events.map((e) => [e.incidentId, e.kind])).toEqual([
      [1, 'opened'],
      [1, 'resolved'],
      [2, 'opened'],
    ]);
    expect(outboxRows(db).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    // The summary shows several incidents: a later update replies to it instead of editing it.
    outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 2, kind: 'updated', at: clock.now() }));
    await w.runOnce();
    expect(sender.jobs[1]).toMatchObject({ kind: 'reply', replyToMessageId: 'm100' });
  });

  it('holds alerts while the chat is muted', async () => {
    subs.updateSettings(group, { mutedUntil: DUE + 3_600_000 }, T0);
    outbox.enqueueIncidentEvent(incidentEvent());
    const w = worker();
    await w.runOnce();
    expect(outboxRows(db)).toMatchObject([{ status: 'held', next_attempt_at: DUE + 3_600_000 }]);
    // Unmuting early releases what was held at the next pass.
    subs.updateSettings(group, { mutedUntil: null }, clock.now());
    await w.runOnce();
    expect(sender.jobs.map((j) => j.kind)).toEqual(['summary']);
  });

  it('sends a due still-down reminder as a reply to the alert, waiting out a mute without a summary', async () => {
    subs.updateSettings(group, { remindMinutes: 30 }, T0);
    outbox.enqueueIncidentEvent(incidentEvent());
    const w = worker();
    await w.runOnce();
    const due = DUE + 30 * 60_000;
    clock.set(due);
    subs.updateSettings(group, { mutedUntil: due + 3_600_000 }, due);
    await w.runOnce();
    expect(sender.jobs.map((j) => j.kind)).toEqual(['send']);
    const reminder = () =>
      db.prepare("SELECT status, next_attempt_at FROM outbox WHERE event_kind = 'reminder'").all();
    expect(reminder()).toEqual([{ status: 'planned', next_attempt_at: due + 3_600_000 }]);

    clock.set(due + 3_600_000);
    await w.runOnce();
    expect(sender.jobs.slice(1)).toEqual([
      {
        chatId: '-100',
        kind: 'reply',
        events: [incidentEvent()],
        replyToMessageId: 'm100',
        reminder: { downForMs: due + 3_600_000 - T0 },
        settings: { locale: 'en', timeZone: 'UTC', mentionRoleId: null },
      },
    ]);
    expect(reminder()).toMatchObject([
      { status: 'sent' },
      { status: 'planned', next_attempt_at: due + 3_600_000 + 60 * 60_000 },
    ]);
  });

  it('groups three opening alerts queued within a minute into one message', async () => {
    for (const [i, service] of ['whatsapp', 'instagram', 'messenger'].entries()) {
      subs.subscribe(group, service, 'minor', T0);
      outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: i + 1, serviceId: service, at: T0 + i * 20_000 }),
      );
    }
    clock.set(T0 + 45_000);
    await worker().runOnce();
    expect(sender.jobs).toHaveLength(1);
    expect(sender.jobs[0]?.kind).toBe('send');
    expect(sender.jobs[0]?.events.map((e) => e.serviceId)).toEqual(['whatsapp', 'instagram', 'messenger']);
    expect(db.prepare('SELECT incident_id, message_id, editable FROM message_refs ORDER BY 1').all()).toEqual(
      [
        { incident_id: 1, message_id: 'm100', editable: 0 },
        { incident_id: 2, message_id: 'm100', editable: 0 },
        { incident_id: 3, message_id: 'm100', editable: 0 },
      ],
    );
  });

  it('edits alerts of services failing 20 s and 45 s after the first into its message; one reply for the recoveries', async () => {
    const services = ['whatsapp', 'instagram', 'messenger'];
    const w = worker();
    for (const [i, service] of services.entries()) {
      const at = T0 + [0, 20_000, 45_000][i]!;
      subs.subscribe(group, service, 'minor', T0);
      outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: i + 1, serviceId: service, at, startedAt: at }),
      );
      clock.set(at + GROUP_GATHER_MS);
      expect(await w.runOnce()).toBe(1);
    }
    expect(sender.jobs.map((j) => [j.kind, j.editMessageId ?? null])).toEqual([
      ['send', null],
      ['edit', 'm100'],
      ['edit', 'm100'],
    ]);
    expect(sender.jobs[2]?.events.map((e) => e.serviceId)).toEqual(services);
    for (const [i, service] of services.entries())
      outbox.enqueueIncidentEvent(
        incidentEvent({ incidentId: i + 1, serviceId: service, kind: 'resolved', at: T0 + 600_000 }),
      );
    clock.set(T0 + 600_000 + FOLLOW_UP_GATHER_MS);
    for (let i = 0; i < 3; i++) await w.runOnce();
    expect(sender.jobs.slice(3).map((j) => [j.kind, j.replyToMessageId ?? null])).toEqual([
      ['reply', 'm100'],
    ]);
    expect(sender.jobs[3]?.events.map((e) => [e.serviceId, e.kind])).toEqual(
      services.map((s) => [s, 'resolved']),
    );
    expect(outboxRows(db).map((r) => r.status)).toEqual(Array(6).fill('sent'));
  });

  it('sends the grouped alert anew when the edited message was gone, and replies to the new one', async () => {
    subs.subscribe(group, '*', 'minor', T0);
    const w = worker();
    outbox.enqueueIncidentEvent(incidentEvent());
    await w.runOnce();
    outbox.enqueueIncidentEvent(
      incidentEvent({ incidentId: 2, serviceId: 'instagram', at: T0 + 20_000, startedAt: T0 + 20_000 }),
    );
    clock.set(T0 + 20_000 + GROUP_GATHER_MS);
    // The sender's edit found the message deleted and sent the grouped alert as a new message.
    sender.answer({ kind: 'sent', messageId: 'new' });
    await w.runOnce();
    expect(sender.jobs[1]).toMatchObject({ kind: 'edit', editMessageId: 'm100' });
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'resolved', at: T0 + 120_000 }));
    clock.set(T0 + 120_000 + FOLLOW_UP_GATHER_MS);
    await w.runOnce();
    expect(sender.jobs[2]).toMatchObject({ kind: 'reply', replyToMessageId: 'new' });
  });

  it('keeps per-chat order across two workers sharing the database file', async () => {
    subs.subscribe({ platform: 'telegram', chatId: '7' }, 'whatsapp', 'minor', T0);
    outbox.enqueueIncidentEvent(incidentEvent());
    // A recovery queued right behind the alert (an update would go out with it), due on its own
    // gather time, after the alert's.
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'resolved', at: T0 + 1 }));
    const held = deferred<DeliveryResult>();
    const senderA = new ScriptedSender().answer(() => held.promise);
    const senderB = new ScriptedSender();
    const a = worker({ sender: senderA });
    const b = worker({ sender: senderB, store: new SqliteOutboxStore(tmp.open()) });

    const inFlight = a.runOnce(); // claims both chats' opening alerts; chat -100's stays in flight
    await new Promise((resolve) => setImmediate(resolve));
    // Not due yet: the recoveries wait their gather time.
    expect(await b.runOnce()).toBe(0);
    clock.advance(FOLLOW_UP_GATHER_MS);
    // Chat 7's opening went out: its recovery is free. Chat -100's waits for its opening alert.
    expect(await b.runOnce()).toBe(1);
    expect(senderB.jobs.map((j) => [j.chatId, j.kind])).toEqual([['7', 'reply']]);
    expect(await b.runOnce()).toBe(0);
    held.resolve({ kind: 'sent', messageId: 'first' });
    await inFlight;
    expect(await b.runOnce()).toBe(1);
    expect(senderA.jobs.map((j) => [j.chatId, j.events[0]?.kind])).toEqual([
      ['-100', 'opened'],
      ['7', 'opened'],
    ]);
    expect(senderB.jobs.map((j) => [j.chatId, j.kind, j.replyToMessageId])).toEqual([
      ['7', 'reply', 'm100'],
      ['-100', 'reply', 'first'],
    ]);
  });

  it('paces a Telegram group: the queue goes back rather than waiting on its lease', async () => {
    const w = worker({ pacing: { ...TELEGRAM_PACING, groupChat: { burst: 1, perMs: 60_000 } } });
    outbox.enqueueIncidentEvent(incidentEvent());
    await w.runOnce();
    outbox.enqueueIncidentEvent(incidentEvent({ kind: 'updated', at: clock.now() }));
    await w.runOnce();
    expect(sender.jobs).toHaveLength(1);
    expect(outboxRows(db)[1]).toMatchObject({
      status: 'pending',
      attempts: 0,
      next_attempt_at: DUE + 60_000,
    });
    clock.set(DUE + 60_000);
    await w.runOnce();
    expect(sender.jobs.map((j) => j.kind)).toEqual(['send', 'edit']);
  });

  it('treats a sender that throws as a transient failure', async () => {
    sender.answer(() => {
      throw new Error('socket hang up');
    });
    outbox.enqueueIncidentEvent(incidentEvent());
    await worker().runOnce();
    expect(outboxRows(db)).toMatchObject([{ status: 'pending', attempts: 1, last_error: 'socket hang up' }]);
  });

  describe('over stores that answer later (as PostgreSQL does)', () => {
    it('delivers, edits and replies, settling each row', async () => {
      const w = worker({ asynchronous: true });
      outbox.enqueueIncidentEvent(incidentEvent());
      expect(await w.runOnce()).toBe(1);
      outbox.enqueueIncidentEvent(incidentEvent({ kind: 'updated', severity: 'minor', at: DUE }));
      outbox.enqueueIncidentEvent(incidentEvent({ kind: 'resolved', at: DUE, durationMs: 60_000 }));
      await w.runOnce();
      clock.advance(FOLLOW_UP_GATHER_MS);
      await w.runOnce();
      expect(sender.jobs.map((j) => [j.kind, j.editMessageId ?? j.replyToMessageId ?? null])).toEqual([
        ['send', null],
        ['edit', 'm100'],
        ['reply', 'm100'],
      ]);
      expect(outboxRows(db).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    });

    it('follows a moved chat and deactivates a gone one before the pass ends', async () => {
      sender.answer({ kind: 'chat-moved', newChatId: '-1001234' });
      outbox.enqueueIncidentEvent(incidentEvent());
      const w = worker({ asynchronous: true });
      await w.runOnce();
      expect(subs.getChat(group)).toBeNull();
      sender.answer({ kind: 'permanent', reason: 'Forbidden: bot was kicked from the group chat' });
      await w.runOnce();
      expect(sender.jobs.map((j) => j.chatId)).toEqual(['-100', '-1001234']);
      expect(subs.getChat({ platform: 'telegram', chatId: '-1001234' })).toMatchObject({ active: false });
      expect(outboxRows(db)).toMatchObject([{ chat_id: '-1001234', status: 'dead' }]);
    });

    it('retries a transient failure with its attempt counted', async () => {
      sender.answer({ kind: 'transient', error: 'socket hang up' });
      outbox.enqueueIncidentEvent(incidentEvent());
      await worker({ asynchronous: true }).runOnce();
      expect(outboxRows(db)).toMatchObject([
        { status: 'pending', attempts: 1, last_error: 'socket hang up' },
      ]);
    });
  });

  describe('passes', () => {
    const build = (store: SqliteOutboxStore, sleep: ReturnType<typeof fakeSleep>, batchSize: number) =>
      new OutboxWorker(
        {
          store,
          subscriptions: subs,
          sender,
          pacer: new Pacer(UNPACED, clock, sleep),
          clock,
          log: silentLog,
          sleep,
        },
        { retry: RETRY, concurrency: 1, batchSize },
      );

    it('claims the next batch while a full one goes out', async () => {
      const chats = Array.from({ length: 8 }, (_, i) => ({ platform: 'telegram', chatId: String(i + 1) }));
      for (const chat of chats) subs.subscribe(chat, 'whatsapp', 'minor', T0);
      outbox.enqueueIncidentEvent(incidentEvent());
      const log: string[] = [];
      const store = new Proxy(outbox, {
        get: (target, name, receiver) => {
          const value: unknown = Reflect.get(target, name, receiver);
          if (name !== 'claimDue' || typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            log.push('claim');
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const stop = new AbortController();
      sender.answer(
        ...Array.from({ length: 9 }, () => (job: { chatId: string }) => {
          log.push(`send ${job.chatId}`);
          if (log.filter((l) => l.startsWith('send')).length === 9) stop.abort();
          return { kind: 'sent' as const, messageId: `m${log.length}` };
        }),
      );
      await build(store, fakeSleep(clock), 4).run(stop.signal);
      const sends = log.filter((l) => l.startsWith('send'));
      expect(sends).toHaveLength(9); // the group and the eight chats
      // The second claim came as the first batch began to go out, not after its last delivery.
      expect(log.slice(0, 3)).toEqual(['claim', 'claim', sends[0]]);
      // A batch that is not full (the last one) claims nothing ahead: three claims in all.
      expect(log.filter((l) => l === 'claim')).toHaveLength(3);
    });

    it('keeps a wake-up that came during a claim: the next pass starts at once, not after the idle poll', async () => {
      const sleep = fakeSleep(clock);
      const stop = new AbortController();
      let calls = 0;
      let w: OutboxWorker | null = null;
      const store = new Proxy(outbox, {
        get: (target, name, receiver) => {
          const value: unknown = Reflect.get(target, name, receiver);
          if (name !== 'claimDue' || typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls++;
            // The rows of an alert are queued while this claim runs: the worker is woken meanwhile.
            if (calls === 1) w?.wake();
            if (calls === 2) stop.abort();
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      w = build(store, sleep, 50);
      await w.run(stop.signal);
      expect(calls).toBe(2);
      expect(sleep.waits).toEqual([]);
    });
  });
});
