import type { IncidentEventKind } from '../events.js';
import type { ClaimedChat, DeliveryJob, OutboxItem, Settlement } from './ports.js';

/** Opening alerts of one chat queued within this long of the first one go out as one grouped message. */
export const GROUP_WINDOW_MS = 60_000;
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

/**
 * Turns a claim into the message to send:
 *
 * | claim | job |
 * |---|---|
 * | released after a hold | `summary` of every event |
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
    events: items.map((i) => i.event),
    settings: {
      locale: chat.settings.locale,
      timeZone: chat.settings.timeZone,
      mentionRoleId: chat.settings.mentionRoleId,
    },
  };
  const first = items[0];
  if (claim.released) return { ...base, kind: 'summary' };
  if (!first || items.length > 1 || isOpening(first.eventKind)) return { ...base, kind: 'send' };
  const messageId = claim.refs.get(first.incidentId)?.messageId ?? null;
  if (messageId === null) return { ...base, kind: 'send' };
  if (first.eventKind === 'updated' && claim.refs.get(first.incidentId)?.editable)
    return { ...base, kind: 'edit', editMessageId: messageId };
  return { ...base, kind: 'reply', replyToMessageId: messageId };
}

/**
 * The settlement of a delivered job. A new message (send, summary) becomes the reference of every
 * incident it shows, editable only when it shows that incident alone; an edit or reply keeps the
 * original reference so the next update still edits the opening alert.
 */
export function sentSettlement(
  job: DeliveryJob,
  messageId: string,
  at: number,
): Extract<Settlement, { kind: 'sent' }> {
  if (job.kind === 'edit' || job.kind === 'reply') return { kind: 'sent', messageId, at, refs: [] };
  const incidents = [...new Set(job.events.map((e) => e.incidentId))];
  const editable = job.kind === 'send' && job.events.length === 1;
  return { kind: 'sent', messageId, at, refs: incidents.map((incidentId) => ({ incidentId, editable })) };
}
