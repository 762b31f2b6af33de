import type { Catalog } from '../catalog.js';
import type { IncidentEvent, IncidentEventKind } from '../events.js';
import type { State } from '../model.js';
import type {
  ClaimedChat,
  Conversation,
  DeliveryJob,
  MergeTarget,
  OutboxItem,
  OutboxStatus,
  Settlement,
} from './ports.js';

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
function latestPerIncident(events: readonly IncidentEvent[]): IncidentEvent[] {
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

/**
 * An opening alert that absorbed its incident's later updates ({@link selectGroup}) still reads
 * as the opening: the updates take their incident's opening kind, keeping their state and evidence.
 */
function asOpenings(events: readonly IncidentEvent[]): IncidentEvent[] {
  const opening = new Map<number, IncidentEvent['kind']>();
  for (const e of events)
    if (isOpening(e.kind) && !opening.has(e.incidentId)) opening.set(e.incidentId, e.kind);
  return events.map((e) => {
    const kind = e.kind === 'updated' ? opening.get(e.incidentId) : undefined;
    return kind === undefined ? e : { ...e, kind };
  });
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
 * | updates or recoveries of a grouped alert (`conversation`) | `edit` or `reply`, by {@link followUpPlan} |
 * | more recoveries of it while its recovery reply is the chat's last message (`recoveryReply`) | `edit` of the reply, silent |
 * | updated, the alert shows only this incident | `edit` of it |
 * | updated, the alert is a summary | `reply` to it |
 * | resolved, the alert was sent | `reply` to it |
 * | recoveries of incidents first shown in one summary | `reply` to it, one for all |
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
      events: [...claim.mergeInto.events, ...asOpenings(base.events)],
      editMessageId: claim.mergeInto.messageId,
    };
  if (first && isOpening(first.eventKind)) return { ...base, kind: 'send', events: asOpenings(base.events) };
  if (claim.conversation && first) return followUpJob(base, claim.conversation);
  const summaryId = claim.refs.get(first?.incidentId ?? -1)?.messageId ?? null;
  if (
    summaryId !== null &&
    items.length > 1 &&
    items.every((i) => i.eventKind === 'resolved' && claim.refs.get(i.incidentId)?.messageId === summaryId)
  )
    return { ...base, kind: 'reply', replyToMessageId: summaryId };
  if (!first || items.length > 1) return { ...base, kind: 'send' };
  const messageId = claim.refs.get(first.incidentId)?.messageId ?? null;
  if (messageId === null) return { ...base, kind: 'send' };
  if (first.eventKind === 'updated' && claim.refs.get(first.incidentId)?.editable)
    return { ...base, kind: 'edit', editMessageId: messageId };
  return { ...base, kind: 'reply', replyToMessageId: messageId };
}

function followUpJob(base: Omit<DeliveryJob, 'kind'>, conversation: Conversation): DeliveryJob {
  const plan = followUpPlan(conversation.shown, base.events);
  if (plan.kind === 'edit')
    return { ...base, kind: 'edit', events: plan.events, editMessageId: conversation.messageId };
  // More recoveries of the group, a moment after the first ones: the recovery reply, still the
  // chat's last message, lists them too (a silent edit), rather than notifying once per round.
  const joined = conversation.recoveryReply;
  if (!plan.escalation && joined !== undefined && base.events.every((e) => e.kind === 'resolved'))
    return {
      ...base,
      kind: 'edit',
      events: latestPerIncident([...joined.events, ...plan.events]),
      editMessageId: joined.messageId,
    };
  return {
    ...base,
    kind: 'reply',
    events: plan.events,
    replyToMessageId: conversation.messageId,
    ...(plan.escalation ? { regroups: true } : {}),
  };
}

/**
 * The settlement of a delivered job. A new message (send, summary) becomes the reference of every
 * incident it shows, editable only when it shows that incident alone; an edit of one incident's
 * alert or a reply keeps the original reference so the next update still edits the opening alert.
 * An edit that grouped several incidents (alerts joining a delivered one, a grouped alert's update)
 * makes the message, or the new one sent because it was gone, the reference of all of them:
 * grouped, so not editable (but an edit of a recovery reply, listing only recoveries, keeps them
 * all: it is no alert). A reply that regroups (a grouped alert got worse) becomes the reference
 * of every incident it shows that is still open. Alerts (send, edit, regrouping reply) may be
 * joined by later opening alerts; summaries may not.
 */
export function sentSettlement(
  job: DeliveryJob,
  messageId: string,
  at: number,
): Extract<Settlement, { kind: 'sent' }> {
  if (job.kind === 'reply' && job.regroups === true) {
    const open = job.events.filter((e) => e.kind !== 'resolved').map((e) => e.incidentId);
    const refs = [...new Set(open)].map((incidentId) => ({ incidentId, editable: false, joinable: true }));
    return { kind: 'sent', messageId, at, refs };
  }
  const incidents = [...new Set(job.events.map((e) => e.incidentId))];
  // An edit of a recovery reply (only recoveries) is no alert: the references stay.
  const grouping =
    job.kind === 'edit' && incidents.length > 1 && job.events.some((e) => e.kind !== 'resolved');
  if (job.kind === 'reply' || (job.kind === 'edit' && !grouping))
    return { kind: 'sent', messageId, at, refs: [] };
  const editable = job.kind === 'send' && incidents.length === 1;
  const joinable = job.kind !== 'summary';
  return {
    kind: 'sent',
    messageId,
    at,
    refs: incidents.map((incidentId) => ({ incidentId, editable, joinable })),
  };
}
