import type { IncidentEvent, IncidentEventKind } from '../events.js';
import type { ClaimedChat, DeliveryJob, MergeTarget, OutboxItem, OutboxStatus, Settlement } from './ports.js';

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
/** Most alerts in one grouped message; the rest follow in the next one. */
export const MAX_GROUP_EVENTS = 20;
/** Most held alerts in one summary; a longer backlog becomes several summaries. */
export const MAX_SUMMARY_EVENTS = 50;

const OPENING_KINDS: ReadonlySet<IncidentEventKind> = new Set(['opened', 'reopened']);

export function isOpening(kind: IncidentEventKind): boolean {
  return OPENING_KINDS.has(kind);
}

/**
 * The rows that go out with `head` as one grouped alert: `head` itself, then the chat's next rows
 * (in id order) while they are opening alerts created within {@link GROUP_WINDOW_MS} of the head,
 * at most {@link MAX_GROUP_EVENTS}. Anything else in between ends the group, which keeps the order.
 */
export function selectGroup<T extends Pick<OutboxItem, 'eventKind' | 'createdAt'>>(
  head: T,
  following: readonly T[],
  windowMs = GROUP_WINDOW_MS,
  max = MAX_GROUP_EVENTS,
): T[] {
  const group = [head];
  if (!isOpening(head.eventKind)) return group;
  for (const next of following) {
    if (group.length >= max || !isOpening(next.eventKind) || next.createdAt - head.createdAt > windowMs)
      break;
    group.push(next);
  }
  return group;
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
 *   {@link SAME_GROUP_WINDOW_MS} when `head` and every incident shown are services of one `group`.
 *
 * Returns the target (events in row order), how many more alerts fit in it and until when an alert
 * may be queued to join it; null when the alerts go out as a new message.
 */
export function mergeTarget(
  head: Pick<OutboxItem, 'eventKind' | 'createdAt'> & { readonly event?: Pick<IncidentEvent, 'group'> },
  last: { readonly incidentId: number; readonly messageId: string | null },
  shown: readonly ShownIncident[],
  windowMs = GROUP_WINDOW_MS,
  max = MAX_GROUP_EVENTS,
): { readonly target: MergeTarget; readonly room: number; readonly until: number } | null {
  const messageId = last.messageId;
  if (!isOpening(head.eventKind) || messageId === null) return null;
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

/**
 * Turns a claim into the message to send:
 *
 * | claim | job |
 * |---|---|
 * | released after a hold | `summary` of every event |
 * | opening alerts joining the chat's latest alert (`mergeInto`) | `edit` of it, grouped with all its events |
 * | several opening alerts | `send`, one grouped message |
 * | opened / reopened | `send` |
 * | updated, the alert shows only this incident | `edit` of it |
 * | updated, the alert is grouped or a summary | `reply` to it |
 * | resolved, the alert was sent | `reply` to it |
 * | updated / resolved, no alert was sent | `send` |
 */
export function planDelivery(claim: ClaimedChat): DeliveryJob {
  const { chat, items } = claim;
  const base = {
    chatId: chat.chatId,
    ...(claim.threadId === undefined ? {} : { threadId: claim.threadId }),
    events: items.map((i) => i.event),
    settings: {
      locale: chat.settings.locale,
      timeZone: chat.settings.timeZone,
      mentionRoleId: chat.settings.mentionRoleId,
    },
  };
  const first = items[0];
  if (claim.released) return { ...base, kind: 'summary' };
  if (claim.mergeInto && first && isOpening(first.eventKind))
    return {
      ...base,
      kind: 'edit',
      events: [...claim.mergeInto.events, ...base.events],
      editMessageId: claim.mergeInto.messageId,
    };
  if (!first || items.length > 1 || isOpening(first.eventKind)) return { ...base, kind: 'send' };
  const messageId = claim.refs.get(first.incidentId)?.messageId ?? null;
  if (messageId === null) return { ...base, kind: 'send' };
  if (first.eventKind === 'updated' && claim.refs.get(first.incidentId)?.editable)
    return { ...base, kind: 'edit', editMessageId: messageId };
  return { ...base, kind: 'reply', replyToMessageId: messageId };
}

/**
 * The settlement of a delivered job. A new message (send, summary) becomes the reference of every
 * incident it shows, editable only when it shows that incident alone; an edit of one incident's
 * alert or a reply keeps the original reference so the next update still edits the opening alert.
 * An edit that grouped several incidents (alerts joining a delivered one) makes the message, or the
 * new one sent because it was gone, the reference of all of them: grouped, so not editable.
 * Alerts (send, edit) may be joined by later opening alerts; summaries may not.
 */
export function sentSettlement(
  job: DeliveryJob,
  messageId: string,
  at: number,
): Extract<Settlement, { kind: 'sent' }> {
  const incidents = [...new Set(job.events.map((e) => e.incidentId))];
  const grouping = job.kind === 'edit' && incidents.length > 1;
  if (job.kind === 'reply' || (job.kind === 'edit' && !grouping))
    return { kind: 'sent', messageId, at, refs: [] };
  const editable = job.kind === 'send' && job.events.length === 1;
  const joinable = job.kind !== 'summary';
  return {
    kind: 'sent',
    messageId,
    at,
    refs: incidents.map((incidentId) => ({ incidentId, editable, joinable })),
  };
}
