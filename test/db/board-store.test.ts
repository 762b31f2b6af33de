/**
 * The live board store (`/board`) on both backends: one active board per chat, a new one retiring
 * the old, `off` retiring it, a service's new status marking the boards that list it due (written
 * through the real detection stores; a change of evidence alone marks nothing), claims that coalesce edits to one per gap, and
 * settlements that do not lose a change marked while an edit was in flight.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AsyncPort } from '../../src/core/awaitable.js';
import { BOARD_EDIT_GAP_MS } from '../../src/core/board.js';
import type { SubscriptionStore } from '../../src/core/delivery/ports.js';
import { openDatabase } from '../../src/db/database.js';
import type { DetectionCommit } from '../../src/core/detection/engine.js';
import type { Evidence } from '../../src/core/detection/service-status.js';
import type { State } from '../../src/core/model.js';
import { PostgresBoardStore } from '../../src/db/postgres/postgres-board-store.js';
import { PostgresDetectionStore } from '../../src/db/postgres/postgres-detection-store.js';
import { openPostgres } from '../../src/db/postgres/pool.js';
import { PostgresSubscriptionStore } from '../../src/db/postgres/postgres-subscription-store.js';
import { SqliteBoardStore } from '../../src/db/sqlite-board-store.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { buildCatalog } from '../helpers/catalog.js';
import { testDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const LEASE = { limit: 10, leaseMs: 60_000, minGapMs: BOARD_EDIT_GAP_MS };
const TG = { platform: 'telegram', chatId: '-100' };
const OTHER = { platform: 'telegram', chatId: '-200' };

interface Backend {
  boards: AsyncPort<SqliteBoardStore>;
  subscriptions: AsyncPort<SubscriptionStore>;
  /**
   * Stores a service's state through the backend's real detection store, which marks its boards in
   * the same write: `since` defaults to `at` (a new status); `evidence` is the probe message shown.
   */
  serviceChanged(
    serviceId: string,
    status: State,
    at: number,
    options?: { readonly since?: number; readonly evidence?: string },
  ): Promise<void>;
}

const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

const catalog = buildCatalog({ services: [{ id: 'whatsapp' }, { id: 'github' }, { id: 'anything' }] });

/** What the engine commits for a service whose state (or only its evidence) changed. */
function stateCommit(
  serviceId: string,
  status: State,
  at: number,
  options: { readonly since?: number; readonly evidence?: string } = {},
): DetectionCommit {
  const evidence: Evidence[] = [
    {
      kind: 'probe',
      monitorId: `${serviceId}-http`,
      target: 'https://example.test/',
      state: status,
      reason: status === 'up' ? 'ok' : 'http-status',
      message: options.evidence ?? `HTTP ${status}`,
    },
  ];
  const state = { status, since: options.since ?? at, evidence };
  return { result: null, monitor: null, service: { id: serviceId, state }, incident: null };
}

async function sqlite(): Promise<Backend> {
  const db = openDatabase(join(tempDir('board-store-'), 'bot.db'));
  closers.push(() => db.close());
  const boards = new SqliteBoardStore(db);
  const subscriptions = new SqliteSubscriptionStore(db);
  const detection = new SqliteDetectionStore(db, catalog);
  return {
    boards: {
      startBoard: async (chat, now) => boards.startBoard(chat, now),
      stopBoard: async (chat, now) => boards.stopBoard(chat, now),
      claimDueBoards: async (p, now, o) => boards.claimDueBoards(p, now, o),
      settleBoard: async (c, s) => boards.settleBoard(c, s),
      serviceStates: async () => boards.serviceStates(),
    },
    subscriptions: {
      subscribe: async (chat, id, severity, now) => subscriptions.subscribe(chat, id, severity, now),
      unsubscribe: async (chat, id) => subscriptions.unsubscribe(chat, id),
      unsubscribeAll: async (chat) => subscriptions.unsubscribeAll(chat),
      updateSettings: async (chat, patch, now) => subscriptions.updateSettings(chat, patch, now),
      rewriteChatId: async (p, from, to) => subscriptions.rewriteChatId(p, from, to),
    } as AsyncPort<SubscriptionStore>,
    serviceChanged: async (serviceId, status, at, options) => {
      detection.commit(stateCommit(serviceId, status, at, options));
    },
  };
}

async function postgres(): Promise<Backend> {
  const db = await openPostgres(await testDatabase(), { poolSize: 2 });
  closers.push(() => db.close());
  const detection = await PostgresDetectionStore.open(db.pool, catalog, { outbox: false });
  closers.unshift(() => detection.close());
  return {
    boards: new PostgresBoardStore(db.pool),
    subscriptions: new PostgresSubscriptionStore(db.pool),
    serviceChanged: async (serviceId, status, at, options) => {
      detection.commit(stateCommit(serviceId, status, at, options));
      await detection.flush();
    },
  };
}

describe.each([
  ['sqlite', sqlite],
  ['postgres', postgres],
])('live boards on %s', (_name, open) => {
  it('posts a new board at once, coalesces changes into one edit per gap, keeps a change made in flight', async () => {
    const b = await open();
    await b.subscriptions.subscribe(TG, 'whatsapp', 'minor', T0);
    await b.subscriptions.subscribe(OTHER, 'github', 'minor', T0);
    await b.boards.startBoard({ ...TG, threadId: '7' }, T0);
    await b.boards.startBoard(OTHER, T0);

    const [first, ...rest] = await b.boards.claimDueBoards('telegram', T0, LEASE);
    expect(rest).toHaveLength(1);
    expect(first).toMatchObject({ ...TG, threadId: '7', messageId: null, status: 'active', shown: null });
    // Leased: a second claim takes nothing.
    expect(await b.boards.claimDueBoards('telegram', T0, LEASE)).toEqual([]);
    expect(await b.boards.claimDueBoards('discord', T0, LEASE)).toEqual([]);
    const other = rest[0];
    if (first === undefined || other === undefined) throw new Error('no board');
    await b.boards.settleBoard(other, { kind: 'shown', messageId: '5', shown: 'other', at: T0 });
    expect(
      await b.boards.settleBoard(first, { kind: 'shown', messageId: '41', shown: 'board v1', at: T0 + 1 }),
    ).toBe(true);

    // WhatsApp goes down: only the board that lists it is due, and not before the gap.
    await b.serviceChanged('whatsapp', 'down', T0 + 2000);
    await b.serviceChanged('whatsapp', 'degraded', T0 + 3000);
    expect(await b.boards.claimDueBoards('telegram', T0 + 5000, LEASE)).toEqual([]);
    const [edit] = await b.boards.claimDueBoards('telegram', T0 + 1 + BOARD_EDIT_GAP_MS, LEASE);
    expect(edit).toMatchObject({ ...TG, messageId: '41', shown: 'board v1' });
    if (edit === undefined) throw new Error('no edit');
    expect(new Map(await b.boards.serviceStates()).get('whatsapp')).toEqual({
      status: 'degraded',
      since: T0 + 3000,
    });

    // A change marked while the edit is in flight keeps the board due after it.
    await b.serviceChanged('whatsapp', 'up', T0 + 12_000);
    const at = T0 + 12_500;
    await b.boards.settleBoard(edit, { kind: 'shown', messageId: '41', shown: 'board v2', at });
    expect(await b.boards.claimDueBoards('telegram', at + 1000, LEASE)).toEqual([]);
    const [again] = await b.boards.claimDueBoards('telegram', at + BOARD_EDIT_GAP_MS, LEASE);
    expect(again).toMatchObject({ ...TG, shown: 'board v2' });
    if (again === undefined) throw new Error('not due again');
    await b.boards.settleBoard(again, { kind: 'shown', messageId: '41', shown: 'board v3', at: at + 10_000 });
    // Nothing changed since: up to date.
    expect(await b.boards.claimDueBoards('telegram', at + 60_000, LEASE)).toEqual([]);
  });

  it('retires the old board on a new /board and on /board off, and forgets a settled one', async () => {
    const b = await open();
    await b.subscriptions.subscribe(TG, '*', 'minor', T0);
    expect(await b.boards.stopBoard(TG, T0)).toBe(false);
    expect(await b.boards.startBoard(TG, T0)).toEqual({ replaced: false });
    const [posted] = await b.boards.claimDueBoards('telegram', T0, LEASE);
    if (posted === undefined) throw new Error('no board');
    await b.boards.settleBoard(posted, { kind: 'shown', messageId: '9', shown: 'old', at: T0 });

    expect(await b.boards.startBoard(TG, T0 + 1000)).toEqual({ replaced: true });
    const claims = await b.boards.claimDueBoards('telegram', T0 + 1000, LEASE);
    expect(claims.map((c) => [c.status, c.messageId, c.shown])).toEqual([
      ['moved', '9', 'old'],
      ['active', null, null],
    ]);
    const [moved, fresh] = claims;
    if (moved === undefined || fresh === undefined) throw new Error('claims');
    // A `moved` board is due for its last edit even within the gap; once edited, it is gone.
    expect(await b.boards.settleBoard(moved, { kind: 'dropped' })).toBe(true);
    expect(await b.boards.settleBoard(moved, { kind: 'dropped' })).toBe(false);
    await b.boards.settleBoard(fresh, { kind: 'shown', messageId: '10', shown: 'new', at: T0 + 1000 });

    // Any service of an "all" subscription marks it.
    await b.serviceChanged('anything', 'down', T0 + 2000);
    expect(await b.boards.stopBoard(TG, T0 + 3000)).toBe(true);
    const [off] = await b.boards.claimDueBoards('telegram', T0 + 3000, LEASE);
    expect(off).toMatchObject({ status: 'off', messageId: '10', shown: 'new' });
    if (off === undefined) throw new Error('no off board');
    // A failed last edit is retried later, counting the attempt; pacing does not count.
    await b.boards.settleBoard(off, { kind: 'retry', at: T0 + 8000, countAttempt: true });
    expect(await b.boards.claimDueBoards('telegram', T0 + 7000, LEASE)).toEqual([]);
    const [retried] = await b.boards.claimDueBoards('telegram', T0 + 8000, LEASE);
    expect(retried).toMatchObject({ status: 'off', attempts: 1 });
    // The chat may have a board again meanwhile: one active board per chat, whatever waits retired.
    expect(await b.boards.startBoard(TG, T0 + 9000)).toEqual({ replaced: false });
  });

  it("marks a board when a listed service's status or its start changes, not when only its evidence does", async () => {
    const b = await open();
    await b.subscriptions.subscribe(TG, 'whatsapp', 'minor', T0);
    await b.serviceChanged('whatsapp', 'down', T0, { evidence: 'HTTP 503' });
    await b.boards.startBoard(TG, T0);
    const [posted] = await b.boards.claimDueBoards('telegram', T0, LEASE);
    if (posted === undefined) throw new Error('no board');
    await b.boards.settleBoard(posted, { kind: 'shown', messageId: '9', shown: 'down', at: T0 });
    const later = T0 + 10 * BOARD_EDIT_GAP_MS;

    // Still down since T0, another error message: the board shows nothing new.
    await b.serviceChanged('whatsapp', 'down', T0 + 1000, { since: T0, evidence: 'HTTP 502' });
    await b.serviceChanged('whatsapp', 'down', T0 + 2000, { since: T0, evidence: 'timeout' });
    expect(await b.boards.claimDueBoards('telegram', later, LEASE)).toEqual([]);
    expect(new Map(await b.boards.serviceStates()).get('whatsapp')).toEqual({ status: 'down', since: T0 });

    // Degraded now: due, once.
    await b.serviceChanged('whatsapp', 'degraded', T0 + 3000);
    const [edit] = await b.boards.claimDueBoards('telegram', later, LEASE);
    expect(edit).toMatchObject({ ...TG, marks: 1, shown: 'down' });
    if (edit === undefined) throw new Error('not marked');
    await b.boards.settleBoard(edit, { kind: 'shown', messageId: '9', shown: 'degraded', at: later });

    // The same status with a new start (stored again after a restart, say) is shown too.
    await b.serviceChanged('whatsapp', 'degraded', T0 + 4000);
    const [again] = await b.boards.claimDueBoards('telegram', later + BOARD_EDIT_GAP_MS, LEASE);
    expect(again).toMatchObject({ marks: 2 });
  });

  it("marks the chat's board when its subscriptions, language or time zone change", async () => {
    const b = await open();
    await b.subscriptions.subscribe(TG, 'whatsapp', 'minor', T0);
    await b.boards.startBoard(TG, T0);
    const [posted] = await b.boards.claimDueBoards('telegram', T0, LEASE);
    if (posted === undefined) throw new Error('no board');
    await b.boards.settleBoard(posted, { kind: 'shown', messageId: '9', shown: 'shown', at: T0 });
    let at = T0;
    let marks = 0;
    /** Whether the board is due now (then it is shown again) after `change`. */
    const marked = async (change: () => Promise<unknown>): Promise<boolean> => {
      at += BOARD_EDIT_GAP_MS;
      await change();
      const [claim] = await b.boards.claimDueBoards('telegram', at, LEASE);
      if (claim === undefined) return false;
      // Due from its last edit: the gap alone decides when the edit goes out.
      expect(claim.marks).toBe(++marks);
      await b.boards.settleBoard(claim, { kind: 'shown', messageId: '9', shown: 'shown', at });
      return true;
    };
    expect(await marked(() => b.subscriptions.subscribe(TG, 'github', 'minor', at))).toBe(true);
    // Another severity or topic of the same subscription: the board shows neither.
    expect(await marked(() => b.subscriptions.subscribe(TG, 'github', 'major', at))).toBe(false);
    expect(await marked(() => b.subscriptions.unsubscribe(TG, 'github'))).toBe(true);
    expect(await marked(() => b.subscriptions.unsubscribe(TG, 'github'))).toBe(false);
    expect(await marked(() => b.subscriptions.updateSettings(TG, { locale: 'bn' }, at))).toBe(true);
    expect(await marked(() => b.subscriptions.updateSettings(TG, { timeZone: 'Asia/Dhaka' }, at))).toBe(true);
    expect(await marked(() => b.subscriptions.updateSettings(TG, { mutedUntil: at + 1 }, at))).toBe(false);
    expect(await marked(() => b.subscriptions.unsubscribeAll(TG))).toBe(true);
    // Another chat's changes leave it alone.
    expect(await marked(() => b.subscriptions.subscribe(OTHER, 'github', 'minor', at))).toBe(false);
  });

  it('moves the board with a chat that got a new id: posted anew there, a retired one forgotten', async () => {
    const b = await open();
    const NEW = { platform: 'telegram', chatId: '-1009' };
    await b.subscriptions.subscribe(TG, 'whatsapp', 'minor', T0);
    await b.boards.startBoard(TG, T0);
    const [first] = await b.boards.claimDueBoards('telegram', T0, LEASE);
    if (first === undefined) throw new Error('no board');
    await b.boards.settleBoard(first, { kind: 'shown', messageId: '9', shown: 'old', at: T0 });
    await b.boards.startBoard(TG, T0 + 1000);
    const [retired, current] = await b.boards.claimDueBoards('telegram', T0 + 1000, LEASE);
    if (retired === undefined || current === undefined) throw new Error('claims');
    await b.boards.settleBoard(current, { kind: 'shown', messageId: '10', shown: 'new', at: T0 + 1000 });
    // The group becomes a supergroup while the retired board's last edit is in flight.
    expect(await b.subscriptions.rewriteChatId('telegram', TG.chatId, NEW.chatId)).toBe(true);
    expect(await b.boards.settleBoard(retired, { kind: 'dropped' })).toBe(false);
    // Due at once: a post in the new chat does not wait for the gap between edits.
    const moved = await b.boards.claimDueBoards('telegram', T0 + 1001, LEASE);
    // Only the active board, in the new chat, without a message: the worker posts it there.
    expect(moved).toEqual([
      expect.objectContaining({ ...NEW, status: 'active', messageId: null, shown: null, id: current.id }),
    ]);
    const [again] = moved;
    if (again === undefined) throw new Error('not moved');
    await b.boards.settleBoard(again, { kind: 'shown', messageId: '3', shown: 'new', at: T0 + 20_000 });

    // Merged into a chat that has a board of its own: that one stays (and shows the merged chat's
    // subscriptions), the moved chat's goes.
    await b.subscriptions.subscribe(OTHER, 'github', 'minor', T0);
    await b.boards.startBoard(OTHER, T0 + 20_000);
    const [other] = await b.boards.claimDueBoards('telegram', T0 + 20_000, LEASE);
    if (other === undefined) throw new Error('no other board');
    await b.boards.settleBoard(other, { kind: 'shown', messageId: '5', shown: 'other', at: T0 + 20_000 });
    expect(await b.subscriptions.rewriteChatId('telegram', NEW.chatId, OTHER.chatId)).toBe(true);
    const merged = await b.boards.claimDueBoards('telegram', T0 + 40_000, LEASE);
    expect(merged).toEqual([expect.objectContaining({ ...OTHER, id: other.id, messageId: '5' })]);
    expect(await b.boards.startBoard(NEW, T0 + 50_000)).toEqual({ replaced: false });
  });
});
