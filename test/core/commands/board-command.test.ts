import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/core/commands/command-parser.js';
import type { CommandArgs } from '../../../src/core/commands/command-request.js';
import type { BoardStore } from '../../../src/core/board.js';
import type { ChatAddress } from '../../../src/core/delivery/ports.js';
import { messagesFor } from '../../../src/core/i18n/index.js';
import { T0, makeHarness, request } from './harness.js';

const en = messagesFor('en');

describe('/board in Telegram words', () => {
  const TABLE: readonly [string, CommandArgs][] = [
    ['/board', { action: 'on' }],
    ['/board on', { action: 'on' }],
    ['/board OFF', { action: 'off' }],
    // Each language's off word, as /settings reads it.
    ['/board বন্ধ', { action: 'off' }],
    ['/board बंद', { action: 'off' }],
  ];
  it.each(TABLE)('%s', (text, args) => {
    expect(parseCommandText(text)).toEqual(expect.objectContaining({ command: 'board', args }));
  });
});

/** The boards a chat asked for, as the store would keep them. */
function fakeBoards(): Pick<BoardStore, 'startBoard' | 'stopBoard'> & {
  readonly active: Map<string, number>;
} {
  const active = new Map<string, number>();
  const key = (c: ChatAddress) => `${c.platform}:${c.chatId}`;
  return {
    active,
    startBoard: (chat, now) => {
      const replaced = active.has(key(chat));
      active.set(key(chat), now);
      return { replaced };
    },
    stopBoard: (chat) => active.delete(key(chat)),
  };
}

describe('/board', () => {
  it('records the chat’s board, wakes the workers, and says a second one replaces the first', async () => {
    const boards = fakeBoards();
    let woken = 0;
    const h = makeHarness({}, undefined, { boards, onBoardChange: () => woken++ });
    expect(await h.service.handle(request('board', { action: 'on' }))).toEqual({
      text: en.board.started({ replaced: false }),
      ephemeral: false,
    });
    expect(await h.service.handle(request('board'))).toEqual({
      text: en.board.started({ replaced: true }),
      ephemeral: false,
    });
    expect([...boards.active.values()]).toEqual([T0]);
    expect(woken).toBe(2);
    expect(await h.service.handle(request('board', { action: 'off' }))).toEqual({
      text: en.board.ended(),
      ephemeral: false,
    });
    expect(boards.active.size).toBe(0);
    expect(woken).toBe(3);
    expect(await h.service.handle(request('board', { action: 'off' }))).toEqual({
      text: en.board.none(),
      ephemeral: true,
    });
  });

  it('is for admins only', async () => {
    const boards = fakeBoards();
    const h = makeHarness({}, undefined, { boards });
    const reply = await h.service.handle(request('board', {}, { admin: false }));
    expect(reply.ephemeral).toBe(true);
    expect(boards.active.size).toBe(0);
  });
});
