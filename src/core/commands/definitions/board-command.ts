import type { CommandDefinition } from '../command-definition.js';
import type { CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';
import { isOffWord } from '../settings-input.js';

/** What `/board` does (the `action` argument, Discord's sub-commands). */
export const BOARD_ACTIONS = ['on', 'off'] as const;
export type BoardAction = (typeof BOARD_ACTIONS)[number];

/**
 * `/board` (or `/board on`): the chat gets a live board, one message listing its subscribed
 * services and their states, edited as they change (src/core/board.ts). A newer `/board` replaces
 * the chat's board (the old message is told it moved). `/board off` stops it: the message stays and
 * says it is no longer updated. The outbox worker posts and edits the message; this only records
 * what the chat asked for.
 *
 * | args                  | reply                                    |
 * |-----------------------|------------------------------------------|
 * | none, `on`            | `started` (`replaced` when one existed)  |
 * | `off`, with a board   | `ended`                                  |
 * | `off`, without one    | `none`                                   |
 * | no board store        | `internalError`                          |
 */
async function board(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const m = c.m.board;
  const store = c.deps.boards;
  if (store === undefined) return c.problem(c.m.commands.internalError());
  const chat = c.request.chat;
  const address = { platform: chat.platform, chatId: chat.chatId };
  if (boardAction(args.action) === 'off') {
    if (!(await store.stopBoard(address, c.now))) return c.problem(m.none());
    c.deps.onBoardChange?.();
    return c.info(m.ended());
  }
  const { replaced } = await store.startBoard({ ...address, threadId: chat.threadId ?? null }, c.now);
  c.deps.onBoardChange?.();
  return c.info(m.started({ replaced }));
}

/** `off`, or an off word of any of our languages (`বন্ধ`, `बंद`, as /settings reads them); else on. */
function boardAction(given: string | undefined): BoardAction {
  return given !== undefined && isOffWord(given) ? 'off' : 'on';
}

export const boardCommand: CommandDefinition = {
  name: 'board',
  who: 'admins',
  surface: 'menu',
  description: 'Post a live status board here, kept up to date, or stop it',
  subcommands: [
    { name: 'on' satisfies BoardAction, text: 'boardOn' },
    { name: 'off' satisfies BoardAction, text: 'boardOff' },
  ],
  text: (tokens) => ({ action: boardAction(tokens[0]) }),
  help: ['board'],
  handle: board,
};
