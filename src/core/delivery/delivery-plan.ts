import type { IncidentEvent } from '../events.js';
import { followUpPlan, isOpening, latestPerIncident } from './grouping.js';
import type { ClaimedChat, Conversation, DeliveryJob, Settlement } from './ports.js';

/**
 * A claim becomes a delivery job, and a delivered job its settlement. Which rows form the claim,
 * what they join and how a grouped alert's follow-ups go out are grouping's decisions
 * (`grouping.ts`); this file turns them into sends, edits and replies.
 */

/**
 * An opening alert that absorbed its incident's later updates ((`selectGroup`)) still reads
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
 * | a still-down reminder (`reminder`) | `reply` to the alert, with `reminder` (how long, as of `now`) |
 *
 * Incident threads (`ChatSettings.threads`): a `send` of one incident's opening alert asks for a
 * thread (`startThread`); that incident's later `edit` and `reply` carry the thread its reference
 * recorded (`alertThreadId`), so the update and the recovery are posted there too.
 *
 * `now` matters only to a reminder: how long its incident has been down.
 */
export function planDelivery(claim: ClaimedChat, now = 0): DeliveryJob {
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
  if (claim.reminder !== undefined && first)
    return {
      ...base,
      kind: 'reply',
      events: [first.event],
      ...(claim.reminder.alertMessageId === null ? {} : { replyToMessageId: claim.reminder.alertMessageId }),
      reminder: { downForMs: Math.max(0, now - first.event.startedAt) },
    };
  if (claim.released) return { ...base, kind: 'summary' };
  if (claim.mergeInto && first && isOpening(first.eventKind))
    return {
      ...base,
      kind: 'edit',
      events: [...claim.mergeInto.events, ...asOpenings(base.events)],
      editMessageId: claim.mergeInto.messageId,
    };
  if (first && isOpening(first.eventKind)) {
    // One incident's alert in a chat with threads on starts its thread; a grouped one does not.
    const alone = items.every((i) => i.incidentId === first.incidentId);
    const startThread = alone && chat.settings.threads === true ? { startThread: true as const } : {};
    return { ...base, kind: 'send', events: asOpenings(base.events), ...startThread };
  }
  if (claim.conversation && first) return followUpJob(base, claim.conversation);
  const summaryId = claim.refs.get(first?.incidentId ?? -1)?.messageId ?? null;
  if (
    summaryId !== null &&
    items.length > 1 &&
    items.every((i) => i.eventKind === 'resolved' && claim.refs.get(i.incidentId)?.messageId === summaryId)
  )
    return { ...base, kind: 'reply', replyToMessageId: summaryId };
  if (!first || items.length > 1) return { ...base, kind: 'send' };
  const ref = claim.refs.get(first.incidentId);
  const messageId = ref?.messageId ?? null;
  if (messageId === null) return { ...base, kind: 'send' };
  // The incident's thread (threads on when its alert went out) gets the update or recovery too.
  const thread = ref?.alertThreadId === undefined ? {} : { alertThreadId: ref.alertThreadId };
  if (first.eventKind === 'updated' && ref?.editable)
    return { ...base, kind: 'edit', editMessageId: messageId, ...thread };
  return { ...base, kind: 'reply', replyToMessageId: messageId, ...thread };
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
  alertThreadId?: string,
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
    ...(alertThreadId === undefined || !editable ? {} : { alertThreadId }),
  };
}
