/**
 * The outbox worker's live boards (`/board`): posted and pinned once (a refused pin changes
 * nothing), edited only when their text changes, paced by the same pacer as alerts without ever
 * waiting in it, and dropped quietly when their message was deleted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOARD_EDIT_GAP_MS } from '../../src/core/board.js';
import type { BoardResult, BoardSender, ChatAddress } from '../../src/core/delivery/ports.js';
import type { Db } from '../../src/db/database.js';
import { MARK_BOARDS_SQL, SqliteBoardStore } from '../../src/db/sqlite-board-store.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { OutboxWorker } from '../../src/dispatch/outbox-worker.js';
import { Pacer } from '../../src/dispatch/pacer.js';
import { TELEGRAM_PACING } from '../../src/platforms/telegram/telegram-settings.js';
import { FakeClock } from '../helpers/catalog.js';
import { ScriptedSender, T0, fakeSleep, silentLog, tempDatabase } from './delivery-fixtures.js';

const group: ChatAddress = { platform: 'telegram', chatId: '-100' };
const SERVICES = { services: [{ id: 'whatsapp', name: 'WhatsApp' }] };

/** Records every board call; answers from a queue, then `sent`. */
class ScriptedBoards implements BoardSender {
  readonly maxChars = 4096;
  readonly calls: {
    kind: 'post' | 'edit' | 'pin' | 'unpin';
    chatId: string;
    messageId?: string;
    text?: string;
  }[] = [];
  readonly answers: BoardResult[] = [];
  pinRefusal: string | null = null;
  private nextId = 500;

  async post(chatId: string, _threadId: string | null, text: string): Promise<BoardResult> {
    this.calls.push({ kind: 'post', chatId, text });
    return this.answers.shift() ?? { kind: 'sent', messageId: `b${this.nextId++}` };
  }
  async edit(chatId: string, messageId: string, text: string): Promise<BoardResult> {
    this.calls.push({ kind: 'edit', chatId, messageId, text });
    return this.answers.shift() ?? { kind: 'sent', messageId };
  }
  async pin(chatId: string, messageId: string): Promise<string | null> {
    this.calls.push({ kind: 'pin', chatId, messageId });
    return this.pinRefusal;
  }
  async unpin(chatId: string, messageId: string): Promise<string | null> {
    this.calls.push({ kind: 'unpin', chatId, messageId });
    return this.pinRefusal;
  }
}

describe('OutboxWorker boards', () => {
  let tmp: ReturnType<typeof tempDatabase>;
  let db: Db;
  let clock: FakeClock;
  let boards: SqliteBoardStore;
  let board: ScriptedBoards;
  let pacer: Pacer;
  let worker: OutboxWorker;

  const stateChange = (status: string): void => {
    db.prepare(
      `INSERT INTO service_state (service_id, status, since, evidence_json) VALUES ('whatsapp', ?, ?, '[]')
       ON CONFLICT (service_id) DO UPDATE SET status = excluded.status, since = excluded.since`,
    ).run(status, clock.now());
    db.prepare(MARK_BOARDS_SQL).run(clock.now(), 'whatsapp');
  };

  beforeEach(() => {
    tmp = tempDatabase();
    db = tmp.open();
    clock = new FakeClock(T0);
    const subs = new SqliteSubscriptionStore(db);
    subs.subscribe(group, 'whatsapp', 'minor', T0);
    boards = new SqliteBoardStore(db);
    board = new ScriptedBoards();
    const sender = Object.assign(new ScriptedSender('telegram'), { boards: board });
    const sleep = fakeSleep(clock);
    pacer = new Pacer(TELEGRAM_PACING, clock, sleep);
    worker = new OutboxWorker({
      store: new SqliteOutboxStore(db),
      subscriptions: subs,
      sender,
      pacer,
      clock,
      log: silentLog,
      sleep,
      boards: { store: boards, services: SERVICES, chats: subs },
    });
    stateChange('up');
  });
  afterEach(() => tmp.dispose());

  it('posts and pins once, edits on a change after the gap, and sends nothing for an unchanged text', async () => {
    board.pinRefusal = 'Bad Request: not enough rights to manage pinned messages in the chat';
    boards.startBoard(group, clock.now());
    expect(await worker.runBoardsOnce()).toBe(1);
    expect(board.calls.map((c) => c.kind)).toEqual(['post', 'pin']);
    expect(board.calls[0]?.text).toMatch(/^Live status\n✅ WhatsApp: operational since /);

    stateChange('down');
    expect(await worker.runBoardsOnce()).toBe(0);
    clock.advance(BOARD_EDIT_GAP_MS);
    expect(await worker.runBoardsOnce()).toBe(1);
    expect(board.calls.slice(2)).toMatchObject([{ kind: 'edit', messageId: 'b500' }]);
    expect(board.calls[2]?.text).toContain('🔴 WhatsApp: down since');

    // A change that renders the same text (evidence only) is settled without a call.
    db.prepare(MARK_BOARDS_SQL).run(clock.now(), 'whatsapp');
    clock.advance(BOARD_EDIT_GAP_MS);
    expect(await worker.runBoardsOnce()).toBe(1);
    expect(board.calls).toHaveLength(3);
  });

  it('waits for the chat’s pacing without blocking, as alerts to the chat do', async () => {
    // The group's 20 messages a minute are spent (by alerts): the board is put back, not sent.
    for (let i = 0; i < 20; i++) pacer.recordSent(group.chatId, clock.now());
    boards.startBoard(group, clock.now());
    expect(await worker.runBoardsOnce()).toBe(1);
    expect(board.calls).toEqual([]);
    expect(await worker.runBoardsOnce()).toBe(0);
    clock.advance(61_000);
    expect(await worker.runBoardsOnce()).toBe(1);
    expect(board.calls.map((c) => c.kind)).toEqual(['post', 'pin']);
  });

  it('drops a board whose message was deleted, and one stopped before it was posted', async () => {
    boards.startBoard(group, clock.now());
    await worker.runBoardsOnce();
    stateChange('down');
    clock.advance(BOARD_EDIT_GAP_MS);
    board.answers.push({ kind: 'gone' });
    await worker.runBoardsOnce();
    expect(db.prepare('SELECT count(*) FROM boards').pluck().get()).toBe(0);

    boards.startBoard(group, clock.now());
    boards.stopBoard(group, clock.now());
    const before = board.calls.length;
    clock.advance(BOARD_EDIT_GAP_MS);
    // The `off` board never posted goes without a call; the active one of the chat is none.
    await worker.runBoardsOnce();
    expect(board.calls.length).toBe(before);
    expect(db.prepare('SELECT count(*) FROM boards').pluck().get()).toBe(0);
  });

  it('unpins a replaced or stopped board after its last edit; a refusal changes nothing', async () => {
    boards.startBoard(group, clock.now());
    await worker.runBoardsOnce();
    boards.startBoard(group, clock.now());
    board.pinRefusal = 'Bad Request: not enough rights to manage pinned messages in the chat';
    expect(await worker.runBoardsOnce()).toBe(2);
    expect(board.calls.slice(2)).toMatchObject([
      { kind: 'edit', messageId: 'b500', text: expect.stringMatching(/a newer one was posted/) },
      { kind: 'unpin', messageId: 'b500' },
      { kind: 'post' },
      { kind: 'pin', messageId: 'b501' },
    ]);
    board.pinRefusal = null;
    boards.stopBoard(group, clock.now());
    await worker.runBoardsOnce();
    expect(board.calls.slice(6)).toMatchObject([
      { kind: 'edit', messageId: 'b501' },
      { kind: 'unpin', messageId: 'b501' },
    ]);
    expect(db.prepare('SELECT count(*) FROM boards').pluck().get()).toBe(0);
  });

  it('follows a group upgraded to a supergroup: the board is posted again in the new chat', async () => {
    boards.startBoard(group, clock.now());
    board.answers.push({ kind: 'chat-moved', newChatId: '-1007' });
    await worker.runBoardsOnce();
    expect(await worker.runBoardsOnce()).toBe(1);
    expect(board.calls.map((c) => [c.kind, c.chatId])).toEqual([
      ['post', '-100'],
      ['post', '-1007'],
      ['pin', '-1007'],
    ]);
    expect(db.prepare('SELECT chat_id FROM chats').pluck().all()).toEqual(['-1007']);
  });
});
