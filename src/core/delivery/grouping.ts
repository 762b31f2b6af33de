import type { Catalog } from '../catalog.js';
import type { IncidentEvent, IncidentEventKind } from '../events.js';
import type { State } from '../model.js';
import type { Conversation, MergeTarget, OutboxItem, OutboxStatus } from './ports.js';

/**
 * Alert grouping, in one place: when a queued row is due (it waits a moment for companions),
 * which queued rows of a chat go out as one message, which delivered message a new opening alert
 * joins, what a grouped alert's updates and recoveries become, and which message references a
 * delivered summary takes. Pure decisions over facts: the outbox stores (the SQLite one and the
 * in-memory one of a storage fault, which runs the same code) only read the facts these functions
 * take and apply their answers; no grouping rule, window or limit lives in the database layer.
 */

/**
 * Opening alerts of one chat queued within this long of the first one go out as one grouped message:
 * together when they are queued together, otherwise the later ones join the alert already delivered
 * by editing it ({@link mergeTarget}).
 */
export const GROUP_WINDOW_MS = 60_000;
/**
 * Services of one `group:` (shared infrastructure) that fail within this long of each other share
 * one message: a later one joins the group's alert while it is still the chat's latest.
 */
export const SAME_GROUP_WINDOW_MS = 10 * 60_000;
/**
 * Opening alerts wait this long before they are due, so services of one group that fail in the same
 * check round (seconds apart) make one message, not one each. Small next to the two-minute goal.
 */
export const GROUP_GATHER_MS = 5_000;
/**
 * Updates and recoveries wait this long before they are due, so the services of one grouped alert
 * that change in the same check round (seconds apart) make one edit or one reply, not one each.
 */
export const FOLLOW_UP_GATHER_MS = GROUP_GATHER_MS;
/** Most alerts in one grouped message; the rest follow in the next one. */
export const MAX_GROUP_EVENTS = 20;
/** Most held alerts in one summary; a longer backlog becomes several summaries. */
export const MAX_SUMMARY_EVENTS = 50;

/**
 * The longest check interval of each `group:`'s monitors: its services' recoveries (and failures)
 * come in over about that long, since each monitor keeps its own phase in its interval. How long a
 * grouped alert's recovery reply takes later recoveries of the group (the outbox's `recoveryJoinMs`).
 */
export function longestIntervalByGroup(catalog: Catalog): ReadonlyMap<string, number> {
  const intervals = new Map(catalog.monitors.map((m) => [m.id, m.intervalMs]));
  const longest = new Map<string, number>();
  for (const service of catalog.services) {
    if (service.group === null) continue;
    for (const id of service.monitorIds)
      longest.set(service.group, Math.max(longest.get(service.group) ?? 0, intervals.get(id) ?? 0));
  }
  return longest;
}

const OPENING_KINDS: ReadonlySet<IncidentEventKind> = new Set(['opened', 'reopened']);

export function isOpening(kind: IncidentEventKind): boolean {
  return OPENING_KINDS.has(kind);
}

/**
 * The rows that go out with `head` as one grouped alert: `head` itself, then the chat's next rows
 * (in id order) while they are opening alerts created within {@link GROUP_WINDOW_MS} of the head,
 * or updates of an incident already in the group (queued before its alert went out: the alert
 * shows the incident as it is now), at most {@link MAX_GROUP_EVENTS}. Anything else in between
 * ends the group, which keeps the order.
 */
export function selectGroup<T extends Pick<OutboxItem, 'eventKind' | 'createdAt' | 'incidentId'>>(
  head: T,
  following: readonly T[],
  windowMs = GROUP_WINDOW_MS,
  max = MAX_GROUP_EVENTS,
): T[] {
  const group = [head];
  if (!isOpening(head.eventKind)) return group;
  const opened = new Set([head.incidentId]);
  for (const next of following) {
    if (group.length >= max || next.createdAt - head.createdAt > windowMs) break;
    const absorbed = next.eventKind === 'updated' && opened.has(next.incidentId);
    if (!isOpening(next.eventKind) && !absorbed) break;
    opened.add(next.incidentId);
    group.push(next);
  }
  return group;
}

/**
 * The rows that go out with `head` as one follow-up of a grouped alert (`shownIds`: the incidents
 * its message shows): `head` and the chat's next rows while they are updates or recoveries of
 * those incidents, at most `max`. Anything else ends it, which keeps the order. A head that is not
 * such a row goes out alone.
 */
export function selectFollowUps<T extends Pick<OutboxItem, 'eventKind' | 'incidentId'>>(
  head: T,
  following: readonly T[],
  shownIds: ReadonlySet<number>,
  max = MAX_GROUP_EVENTS,
): T[] {
  const group = [head];
  const follows = (r: T): boolean => !isOpening(r.eventKind) && shownIds.has(r.incidentId);
  if (!follows(head)) return group;
  for (const next of following) {
    if (group.length >= max || !follows(next)) break;
    group.push(next);
  }
  return group;
}

const STATE_RANK: Readonly<Record<State, number>> = {
  down: 2,
  degraded: 1,
  maintenance: 0,
  unknown: 0,
  up: 0,
};

/** The worst state among the events of incidents still open; 0 when all of them recovered. */
function worstRank(events: readonly IncidentEvent[]): number {
  return Math.max(0, ...events.filter((e) => e.kind !== 'resolved').map((e) => STATE_RANK[e.status]));
}

/** The latest event of each incident, in the order the incidents first appear. */
export function latestPerIncident(events: readonly IncidentEvent[]): IncidentEvent[] {
  const latest = new Map<number, IncidentEvent>();
  for (const e of events) latest.set(e.incidentId, e);
  return [...latest.values()];
}

/**
 * How updates and recoveries of a grouped alert's incidents go out: the grouped alert keeps
 * telling one story, in one message, and notifies only when the news is worth it.
 *
 * | changes | job | shows |
 * |---|---|---|
 * | the group gets worse (its worst state rises: degraded → down) | `reply`, the new reference | every incident, as now (but the recoveries told before) |
 * | some services recovered, none got worse | `reply` | the changes (recoveries with their durations) |
 * | anything else (better but not back, new evidence) | `edit`, silent | every incident, as now |
 *
 * `shown` is what the message shows now (each incident's latest delivered event), `changes` the
 * claimed rows' events in order. The reply of an escalation becomes the message the incidents
 * refer to, so later changes edit it and the recovery replies to it.
 */
export function followUpPlan(
  shown: readonly IncidentEvent[],
  changes: readonly IncidentEvent[],
): { readonly kind: 'edit' | 'reply'; readonly events: IncidentEvent[]; readonly escalation: boolean } {
  const now = latestPerIncident([...shown, ...changes]);
  if (worstRank(now) > worstRank(shown)) {
    // The recoveries the chat was told already are not told again; those of this change are.
    const resolvedNow = new Set(changes.filter((e) => e.kind === 'resolved').map((e) => e.incidentId));
    const events = now.filter((e) => e.kind !== 'resolved' || resolvedNow.has(e.incidentId));
    return { kind: 'reply', events, escalation: true };
  }
  if (changes.some((e) => e.kind === 'resolved'))
    return { kind: 'reply', events: latestPerIncident(changes), escalation: false };
  return { kind: 'edit', events: now, escalation: false };
}

/** Opening alerts joining a delivered alert: the target, how many more fit, until when one may be queued. */
export interface MergeDecision {
  readonly target: MergeTarget;
  readonly room: number;
  readonly until: number;
}

/** An incident shown in the chat's latest message, as the chat's outbox rows describe it. */
export interface ShownIncident {
  /** The incident's latest row for this chat, whatever its status. */
  readonly latest: {
    readonly id: number;
    readonly status: OutboxStatus;
    /** The platform message the row was delivered as (an edit's is the message edited). */
    readonly messageId: string | null;
    readonly event: IncidentEvent;
  };
  /** When the incident's latest opening alert was queued for this chat; null when there is none. */
  readonly openedAt: number | null;
  /** The message's reference says it is an alert (single or grouped), not a quiet-hours summary. */
  readonly joinable: boolean;
}

/**
 * Whether opening alerts headed by `head` join the message `messageId`, the last message delivered
 * to the chat (its latest `sent` row before `head`, which the caller read as `last`), which shows
 * `shown`. They do when:
 * - `head` is an opening alert and `last` is a row of one of the `shown` incidents;
 * - the message is an alert, not a summary, showing 1 to `max` − 1 incidents;
 * - none of them changed since: each one's latest row is delivered and shown there, that is an
 *   opening alert (its reference names this message, also after the alert moved to a new message
 *   because the edited one was gone) or an update edited into this message; so no update or
 *   recovery is queued, and none was replied to it;
 * - the first of them was queued for the chat at most `windowMs` before `head`, or at most
 *   {@link SAME_GROUP_WINDOW_MS} when `head` and every incident shown are services of one `group`;
 * - `last` is in the forum topic of `head` (both null: the chat itself).
 *
 * Returns the target (events in row order), how many more alerts fit in it and until when an alert
 * may be queued to join it; null when the alerts go out as a new message.
 */
export function mergeTarget(
  head: Pick<OutboxItem, 'eventKind' | 'createdAt'> & {
    readonly event?: Pick<IncidentEvent, 'group'>;
    readonly threadId?: string | null;
  },
  last: { readonly incidentId: number; readonly messageId: string | null; readonly threadId?: string | null },
  shown: readonly ShownIncident[],
  windowMs = GROUP_WINDOW_MS,
  max = MAX_GROUP_EVENTS,
): MergeDecision | null {
  const messageId = last.messageId;
  if (!isOpening(head.eventKind) || messageId === null) return null;
  // The chat's latest message is in another forum topic: the alert is not edited into it.
  if ((last.threadId ?? null) !== (head.threadId ?? null)) return null;
  if (shown.length === 0 || shown.length >= max) return null;
  if (!shown.some((s) => s.latest.event.incidentId === last.incidentId)) return null;
  const openedAt: number[] = [];
  for (const s of shown) {
    const { status, event } = s.latest;
    if (!s.joinable || s.openedAt === null || status !== 'sent') return null;
    if (!isOpening(event.kind) && (event.kind === 'resolved' || s.latest.messageId !== messageId))
      return null;
    openedAt.push(s.openedAt);
  }
  const group = head.event?.group ?? null;
  const sameGroup = group !== null && shown.every((s) => s.latest.event.group === group);
  const until = Math.min(...openedAt) + (sameGroup ? Math.max(windowMs, SAME_GROUP_WINDOW_MS) : windowMs);
  if (head.createdAt > until) return null;
  const events = [...shown].sort((a, b) => a.latest.id - b.latest.id).map((s) => s.latest.event);
  return { target: { messageId, events }, room: max - shown.length, until };
}

// --- When a queued row is due

/** How long queued rows wait for companions to go out with (the outbox's options). */
export interface GatherDelays {
  /** Opening alerts (and updates that are a chat's opening alert): {@link GROUP_GATHER_MS}. */
  readonly openingMs: number;
  /** Recoveries, and updates of a grouped alert: {@link FOLLOW_UP_GATHER_MS}. */
  readonly followUpMs: number;
}

/** The delays from the outbox's options: follow-ups wait as long as openings when only that is given. */
export function gatherDelays(options: {
  readonly gatherMs?: number | undefined;
  readonly followUpGatherMs?: number | undefined;
}): GatherDelays {
  return {
    openingMs: options.gatherMs ?? GROUP_GATHER_MS,
    followUpMs: options.followUpGatherMs ?? options.gatherMs ?? FOLLOW_UP_GATHER_MS,
  };
}

/** A chat's message reference of an incident, as stored. */
export interface RefFacts {
  /** The message that shows the incident; null while none was delivered. */
  readonly messageId: string | null;
  /** The message shows this incident alone (its updates edit it). */
  readonly editable: boolean;
  /** The message is an alert (single or grouped), not a quiet-hours summary. */
  readonly joinable: boolean;
}

/** What a chat has of an incident when a change of it is queued or claimed for the chat. */
export interface ChatIncidentFacts {
  /** The chat's reference of the incident; null when there is none. */
  readonly ref: RefFacts | null;
  /** Rows of the incident are queued for the chat ahead of this one, still to go out. */
  readonly queuedAhead: boolean;
}

/** Whether the due time of a change of this kind depends on the chat ({@link dueAt}'s `chat`). */
export function dueDependsOnChat(kind: IncidentEventKind): boolean {
  return kind === 'updated';
}

/**
 * An update that is the chat's first news of its incident (no message of it yet, nothing of it
 * queued ahead: a chat subscribed for `major` outages only, which did not get the degraded
 * opening) is the chat's opening alert: it waits, is grouped and is shown as one.
 */
export function isFirstNews(kind: IncidentEventKind, chat: ChatIncidentFacts): boolean {
  return kind === 'updated' && (chat.ref === null || chat.ref.messageId === null) && !chat.queuedAhead;
}

/** The reference is a delivered alert showing several incidents (grouped), not a summary. */
export function isGroupedAlert(ref: RefFacts | null): ref is RefFacts & { readonly messageId: string } {
  return ref !== null && ref.messageId !== null && !ref.editable && ref.joinable;
}

/** The reference is a delivered quiet-hours summary. */
function isSummary(ref: RefFacts | null): ref is RefFacts & { readonly messageId: string } {
  return ref !== null && ref.messageId !== null && !ref.joinable;
}

/**
 * When a change queued at `event.at` is due in a chat, so the alerts of one check round go out
 * together: opening alerts after `openingMs`, recoveries after `followUpMs`. An update that is the
 * chat's first news ({@link isFirstNews}) waits like an opening alert; an update of an incident
 * the chat sees in a grouped alert waits `followUpMs`, so the alert's other services changing in
 * the same round join its edit or reply; an update of a single alert goes at once. `chat` is read
 * only for updates ({@link dueDependsOnChat}).
 */
export function dueAt(
  event: Pick<IncidentEvent, 'kind' | 'at'>,
  delays: GatherDelays,
  chat: ChatIncidentFacts = { ref: null, queuedAhead: false },
): number {
  if (isOpening(event.kind)) return event.at + delays.openingMs;
  if (event.kind === 'resolved') return event.at + delays.followUpMs;
  if (isFirstNews(event.kind, chat)) return event.at + delays.openingMs;
  if (isGroupedAlert(chat.ref)) return event.at + delays.followUpMs;
  return event.at;
}

// --- Which queued rows of a chat go out as one message

/** A queued row as the claim sees it. */
export interface QueuedRow extends OutboxItem {
  /** The forum topic the row goes to (null: the chat itself). */
  readonly threadId: string | null;
}

/**
 * A row that is the chat's first news of its incident ({@link isFirstNews}) reads as an opening
 * alert. `chat` reads the facts, only for updates.
 */
export function asFirstNews<T extends QueuedRow>(row: T, chat: () => ChatIncidentFacts): T {
  if (row.eventKind !== 'updated' || !isFirstNews(row.eventKind, chat())) return row;
  return { ...row, eventKind: 'opened', event: { ...row.event, kind: 'opened' } };
}

/**
 * The rows after `first` that may go out with it: up to the first one not claimable now or for
 * another forum topic of the chat (another message).
 */
export function companions<T extends QueuedRow>(
  first: T,
  rest: readonly T[],
  claimable: (row: T) => boolean,
): T[] {
  const end = rest.findIndex((r) => !claimable(r) || r.threadId !== first.threadId);
  return end < 0 ? [...rest] : rest.slice(0, end);
}

/** Held rows released as one summary: the first row's forum topic (the others in later passes). */
export function summaryRows<T extends QueuedRow>(queue: readonly T[]): T[] {
  const thread = queue[0]?.threadId ?? null;
  return queue.filter((r) => r.threadId === thread);
}

/** The chat's last delivered row before the head. */
export interface LastSentFacts {
  readonly incidentId: number;
  readonly eventKind: IncidentEventKind;
  readonly messageId: string | null;
  readonly threadId: string | null;
}

/** A delivered row of the chat, with its event. */
export interface DeliveredRow {
  readonly eventKind: IncidentEventKind;
  readonly createdAt: number;
  readonly messageId: string | null;
  readonly event: IncidentEvent;
}

/** A chat's delivered messages, read by the outbox store for {@link groupClaim} when it needs them. */
export interface ChatMessageReads {
  /** The chat's last delivered row before the head. */
  lastSent(): LastSentFacts | undefined;
  /** The chat's reference of an incident. */
  ref(incidentId: number): RefFacts | null;
  /** The incidents whose reference is the message (at most MAX_GROUP_EVENTS). */
  shownRefs(messageId: string): readonly { readonly incidentId: number; readonly joinable: boolean }[];
  /** The incident's latest delivered event for the chat. */
  latestSent(incidentId: number): IncidentEvent | undefined;
  /** The incident's latest row for the chat, whatever its status. */
  latestRow(incidentId: number):
    | {
        readonly id: number;
        readonly status: OutboxStatus;
        readonly messageId: string | null;
        readonly event: IncidentEvent;
      }
    | undefined;
  /** The incident's latest opening row for the chat, or else its first row. */
  openingRow(incidentId: number): { readonly id: number; readonly createdAt: number } | undefined;
  /** The chat's last delivered rows before the head, newest first. */
  delivered(limit: number): readonly DeliveredRow[];
}

/** The rows that go out as one message, and what they join or follow up. */
export interface ClaimGroup<T> {
  readonly rows: T[];
  readonly mergeInto?: MergeTarget;
  readonly conversation?: Conversation;
}

/**
 * Which of a chat's queued rows go out with its first one `first` (`following`: its companions,
 * {@link companions}), and as what:
 * - opening alerts that may join the chat's latest alert message ({@link mergeTarget}) are
 *   claimed with it as `mergeInto`, as many as still fit in it and queued within its window;
 * - updates and recoveries of the incidents of one grouped alert go together as its
 *   `conversation` ({@link selectFollowUps}), with the recovery reply later recoveries may join
 *   ({@link recoveryReplyOf});
 * - recoveries of incidents first shown in one quiet-hours summary go together, as one reply to it;
 * - otherwise the opening alerts of one window go together ({@link selectGroup}).
 * `recoveryJoinMs` is the group's longest check interval (the outbox's option).
 */
export function groupClaim<T extends QueuedRow>(
  first: T,
  following: readonly T[],
  reads: ChatMessageReads,
  recoveryJoinMs: (group: string | null) => number,
): ClaimGroup<T> {
  const merge = isOpening(first.eventKind) ? joinTarget(first, reads) : null;
  if (merge)
    return {
      rows: selectGroup(first, following, merge.until - first.createdAt, merge.room),
      mergeInto: merge.target,
    };
  const ref = isOpening(first.eventKind) ? null : reads.ref(first.incidentId);
  const conversation = isGroupedAlert(ref)
    ? conversationOf(first, ref.messageId, reads, recoveryJoinMs)
    : null;
  if (conversation) {
    const ids = new Set(conversation.shown.map((e) => e.incidentId));
    return { rows: selectFollowUps(first, following, ids, MAX_GROUP_EVENTS), conversation };
  }
  if (first.eventKind === 'resolved' && isSummary(ref)) {
    const ids = new Set(reads.shownRefs(ref.messageId).map((r) => r.incidentId));
    return { rows: selectFollowUps(first, recoveriesFirst(following), ids, MAX_GROUP_EVENTS) };
  }
  return { rows: selectGroup(first, following, GROUP_WINDOW_MS, MAX_GROUP_EVENTS) };
}

/** The rows up to the first one that is not a recovery. */
function recoveriesFirst<T extends QueuedRow>(rows: readonly T[]): T[] {
  const end = rows.findIndex((r) => r.eventKind !== 'resolved');
  return end < 0 ? [...rows] : rows.slice(0, end);
}

/**
 * The chat's latest message, when the opening alert `head` may join it: the last delivered row
 * before `head`, the incidents the message shows, each one's latest row and latest opening,
 * decided by {@link mergeTarget}.
 */
function joinTarget(head: QueuedRow, reads: ChatMessageReads): MergeDecision | null {
  const last = reads.lastSent();
  if (!last || last.messageId === null || last.threadId !== head.threadId) return null;
  const refs = reads.shownRefs(last.messageId);
  if (refs.length === 0 || refs.length >= MAX_GROUP_EVENTS) return null;
  const shown: ShownIncident[] = [];
  for (const ref of refs) {
    const latest = reads.latestRow(ref.incidentId);
    if (!latest) return null;
    const opened = reads.openingRow(ref.incidentId);
    const event = latest.event;
    shown.push({
      latest: {
        ...latest,
        // An update that was the chat's first news of it went out as its opening (asFirstNews).
        event: opened?.id === latest.id && event.kind === 'updated' ? { ...event, kind: 'opened' } : event,
      },
      openedAt: opened?.createdAt ?? null,
      joinable: ref.joinable,
    });
  }
  return mergeTarget(head, last, shown, GROUP_WINDOW_MS, MAX_GROUP_EVENTS);
}

/**
 * The grouped alert `messageId` whose incidents the update or recovery `head` changes (its
 * incident's reference is that alert, {@link isGroupedAlert}): what the message shows now, the
 * latest delivered event of each of its incidents; null when it does not show `head`'s incident.
 */
function conversationOf(
  head: QueuedRow,
  messageId: string,
  reads: ChatMessageReads,
  recoveryJoinMs: (group: string | null) => number,
): Conversation | null {
  const shown: IncidentEvent[] = [];
  for (const { incidentId } of reads.shownRefs(messageId)) {
    const event = reads.latestSent(incidentId);
    if (event !== undefined) shown.push(event);
  }
  if (!shown.some((e) => e.incidentId === head.incidentId)) return null;
  const recoveryReply =
    head.eventKind === 'resolved' ? recoveryReplyOf(head, messageId, reads, recoveryJoinMs) : null;
  return { messageId, shown, ...(recoveryReply ? { recoveryReply } : {}) };
}

/** How long after a grouped alert's first recovery reply later recoveries still join it: at least GROUP_WINDOW_MS. */
export function recoveryJoinWindow(groupIntervalMs: number): number {
  return Math.max(GROUP_WINDOW_MS, groupIntervalMs);
}

/**
 * The recovery reply of the conversation `messageId` that the recovery `head` may join: the
 * chat's last delivered message (in the head's topic) is a reply listing only recoveries of
 * incidents whose reference is `messageId`, the first of them queued at most
 * {@link recoveryJoinWindow} of the group's longest check interval before `head`.
 */
export function recoveryReplyOf(
  head: QueuedRow,
  messageId: string,
  reads: Pick<ChatMessageReads, 'lastSent' | 'ref' | 'delivered'>,
  recoveryJoinMs: (group: string | null) => number,
): Conversation['recoveryReply'] | null {
  const last = reads.lastSent();
  if (!last || last.eventKind !== 'resolved' || last.messageId === null) return null;
  if (last.messageId === messageId || last.threadId !== head.threadId) return null;
  if (reads.ref(last.incidentId)?.messageId !== messageId) return null;
  // The reply's rows: the chat's last delivered rows, as it has been the last message since.
  const tail = reads.delivered(MAX_GROUP_EVENTS);
  const end = tail.findIndex((r) => r.messageId !== last.messageId);
  if (end < 0) return null; // as many as a message holds, or more
  const rows = tail.slice(0, end).reverse();
  if (rows.length === 0 || rows.some((r) => r.eventKind !== 'resolved')) return null;
  const firstAt = Math.min(...rows.map((r) => r.createdAt));
  if (head.createdAt - firstAt > recoveryJoinWindow(recoveryJoinMs(head.event.group))) return null;
  return { messageId: last.messageId, events: rows.map((r) => r.event) };
}

// --- Which references a delivered message takes

/**
 * Whether a delivered message becomes the reference of `incidentId` even when the incident has
 * one already. A summary (a released claim) takes over only the incidents it is the first message
 * of (it shows their opening or reopening): the others keep their alert, and so their
 * conversation; it is their reference only when they had none.
 */
export function replacesReference(
  claim: {
    readonly released: boolean;
    readonly items: readonly Pick<OutboxItem, 'eventKind' | 'incidentId'>[];
  },
  incidentId: number,
): boolean {
  return !claim.released || claim.items.some((i) => i.incidentId === incidentId && isOpening(i.eventKind));
}
