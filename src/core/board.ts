import type { Awaitable } from './awaitable.js';
import { fitList } from './commands/reply-fit.js';
import type { WatchedService } from './commands/ports.js';
import { ALL_SERVICES, type ChatAddress, type PlatformName } from './delivery/ports.js';
import type { Messages } from './i18n/index.js';
import type { State } from './model.js';

/**
 * Live boards (`/board`): one message per chat listing the chat's subscribed services and their
 * states, edited as a listed service's state changes (docs/design.md §4, "Live boards"). This file
 * is the pure part: what a board says, and the store's port. The outbox worker
 * (src/dispatch/outbox-worker.ts) posts and edits boards, at the lowest priority of its platform.
 */

/** At most one post or edit per board in this long: state changes within it are coalesced into one edit. */
export const BOARD_EDIT_GAP_MS = 10_000;

/**
 * `active`: the chat's board, kept up to date. `moved`: replaced by a newer `/board`; `off`: stopped
 * by `/board off`. A `moved` or `off` board waits for its last edit (saying it is no longer
 * updated), then its row is deleted.
 */
export const BOARD_STATUSES = ['active', 'moved', 'off'] as const;
export type BoardStatus = (typeof BOARD_STATUSES)[number];

/** A board leased to one worker for one post or edit. */
export interface BoardClaim {
  readonly id: number;
  readonly platform: PlatformName;
  readonly chatId: string;
  /** The forum topic it was asked from (Telegram); null: the chat itself. */
  readonly threadId: string | null;
  /** Null until the board is posted. */
  readonly messageId: string | null;
  readonly status: BoardStatus;
  /** The text the message shows now (null until posted): an unchanged rendering is not sent again. */
  readonly shown: string | null;
  /** Changes marked so far: a settlement clears the board's due time only if none came meanwhile. */
  readonly marks: number;
  /** Failed attempts since the last success. */
  readonly attempts: number;
  readonly createdAt: number;
  readonly leaseToken: string;
}

/** How a board's claim ends. */
export type BoardSettlement =
  /** Posted or edited: the message and the text it shows; due again only if a change came meanwhile. */
  | { readonly kind: 'shown'; readonly messageId: string; readonly shown: string; readonly at: number }
  /** Its last edit is done, or the board is dropped (message deleted, chat unreachable): the row goes. */
  | { readonly kind: 'dropped' }
  /** Tried again at `at`; `countAttempt` false for pacing and rate limits. */
  | { readonly kind: 'retry'; readonly at: number; readonly countAttempt: boolean };

/** A service's stored state, as the boards read it (shared by every instance through the database). */
export interface StoredServiceState {
  readonly status: State;
  readonly since: number;
}

/**
 * The boards of every platform, on either backend. A service's state change marks the boards that
 * may list it as due, in the detection store's own write (both backends), so an instance that does
 * not lead the platform still gets the edit made by the one that does.
 */
export interface BoardStore {
  /**
   * The chat's new board, due at once; a board the chat had becomes `moved` (due too, for its
   * last edit). `replaced`: there was one.
   */
  startBoard(
    chat: ChatAddress & { readonly threadId?: string | null },
    now: number,
  ): Awaitable<{ readonly replaced: boolean }>;
  /** The chat's board becomes `off`, due for its last edit. False when the chat had none. */
  stopBoard(chat: ChatAddress, now: number): Awaitable<boolean>;
  /**
   * Leases up to `limit` of the platform's due boards, oldest due first: due, not leased, and an
   * active board only `minGapMs` after its last post or edit.
   */
  claimDueBoards(
    platform: PlatformName,
    now: number,
    options: { readonly limit: number; readonly leaseMs: number; readonly minGapMs: number },
  ): Awaitable<BoardClaim[]>;
  /** False when the lease was lost (expired and taken, or the board was replaced or deleted meanwhile). */
  settleBoard(claim: BoardClaim, settlement: BoardSettlement): Awaitable<boolean>;
  /** Every service's stored state, by service id. */
  serviceStates(): Awaitable<ReadonlyMap<string, StoredServiceState>>;
}

/** One line of a board. */
export interface BoardEntry {
  readonly name: string;
  readonly state: State;
  /** When the state began; null when no state is stored yet. */
  readonly since: number | null;
}

/** Worst first: problems lead the board, and a cut board drops healthy services first. */
const STATE_RANK: Readonly<Record<State, number>> = {
  down: 0,
  degraded: 1,
  maintenance: 2,
  unknown: 3,
  up: 4,
};

/**
 * The services a chat's board lists: each subscribed service, and for an "all" subscription every
 * catalogue service; problems first (down, degraded, maintenance, unknown, up), then in the
 * catalogue's order, then by name. A subscribed service the catalogue no longer has is listed by its id.
 */
export function boardEntries(
  subscribedIds: readonly string[],
  catalogue: readonly WatchedService[],
  states: ReadonlyMap<string, StoredServiceState>,
): BoardEntry[] {
  const ids = new Set(subscribedIds.includes(ALL_SERVICES) ? catalogue.map((s) => s.id) : []);
  for (const id of subscribedIds) if (id !== ALL_SERVICES) ids.add(id);
  const order = new Map(catalogue.map((s, i) => [s.id, i]));
  const names = new Map(catalogue.map((s) => [s.id, s.name]));
  return [...ids]
    .map((id) => {
      const state = states.get(id);
      return {
        id,
        name: names.get(id) ?? id,
        state: state?.status ?? ('unknown' as const),
        since: state?.since ?? null,
      };
    })
    .sort(
      (a, b) =>
        STATE_RANK[a.state] - STATE_RANK[b.state] ||
        (order.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (order.get(b.id) ?? Number.MAX_SAFE_INTEGER) ||
        a.name.localeCompare(b.name),
    )
    .map(({ name, state, since }) => ({ name, state, since }));
}

/** Room kept under the platform's limit for the footer a retired board gets on its last edit. */
export const BOARD_FOOTER_RESERVE_CHARS = 300;

/**
 * A live board as plain text (the platform's renderer escapes it): the heading, one line per entry,
 * cut to `maxChars` less {@link BOARD_FOOTER_RESERVE_CHARS} with the catalogue's `… and N more`
 * line, then the line saying it is kept up to date. Names are untrusted text: plain here, escaped
 * by the renderer; a line break in a name is flattened so it cannot forge a line.
 */
export function renderBoard(
  entries: readonly BoardEntry[],
  m: Messages,
  timeZone: string,
  maxChars: number,
): string {
  const b = m.board;
  if (entries.length === 0) return `${b.title()}\n${b.empty()}`;
  const tail = `\n${b.live()}`;
  const body = fitList(
    entries,
    (shown) =>
      [
        b.title(),
        ...shown.map((e) => b.line({ name: flatten(e.name), state: e.state, since: e.since, timeZone })),
      ].join('\n'),
    m,
    Math.max(1, maxChars - BOARD_FOOTER_RESERVE_CHARS - tail.length),
  );
  return `${body}${tail}`;
}

/** A retired board's last text: what it showed, without its "kept up to date" line, and why it stopped. */
export function retiredBoard(shown: string, status: Exclude<BoardStatus, 'active'>, m: Messages): string {
  const live = `\n${m.board.live()}`;
  const body = shown.endsWith(live) ? shown.slice(0, -live.length) : shown;
  return `${body}\n${status === 'moved' ? m.board.moved() : m.board.stopped()}`;
}

function flatten(name: string): string {
  return name.replace(/[\r\n\u2028\u2029]+/g, ' ');
}
