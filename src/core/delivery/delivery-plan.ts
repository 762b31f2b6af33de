import type { IncidentEvent } from '../events.js';
import { followUpPlan, isOpening, latestPerIncident } from './grouping.js';
import type { ClaimedChat, Conversation, DeliveryJob, MessageRef, Settlement } from './ports.js';

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
 * Incident threads (`ChatSettings.threads`): a `send` of an opening alert (one incident's or a
 * grouped one) asks for a thread (`startThread`); while threads stay on, its incidents' later
 * `edit`s and `reply`s (a grouped alert's follow-ups too, and the edit of an alert that later
 * opening alerts join, whose thread then follows them as well) and their reminders carry the thread
 * their references recorded (`alertThreadId`), so updates, reminders and recoveries are posted
 * there; the job that recovers the last of them closes it (`closesThread`). A thread that was
 * deleted is started anew from the alert (`restartThread`).
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
  const threadsOn = chat.settings.threads === true;
  if (claim.reminder !== undefined && first)
    return {
      ...base,
      kind: 'reply',
      events: [first.event],
      ...(claim.reminder.alertMessageId === null ? {} : { replyToMessageId: claim.reminder.alertMessageId }),
      reminder: { downForMs: Math.max(0, now - first.event.startedAt) },
      ...(threadsOn ? threadOf(claim.refs.get(first.incidentId)) : {}),
    };
  if (claim.released) return { ...base, kind: 'summary' };
  if (claim.mergeInto && first && isOpening(first.eventKind)) {
    // The alert's thread (when it has one) follows the incidents joining it too.
    const target = claim.mergeInto;
    const thread = threadsOn
      ? threadOf({ messageId: target.messageId, editable: false, ...target.thread })
      : {};
    return {
      ...base,
      kind: 'edit',
      events: [...target.events, ...asOpenings(base.events)],
      editMessageId: target.messageId,
      ...thread,
    };
  }
  if (first && isOpening(first.eventKind)) {
    // A new alert in a chat with threads on starts its thread, one incident's or a group's.
    const startThread = threadsOn ? { startThread: true as const } : {};
    return { ...base, kind: 'send', events: asOpenings(base.events), ...startThread };
  }
  if (claim.conversation && first) {
    const job = followUpJob(base, claim.conversation);
    // The group's thread (recorded on each of its incidents' references) follows its follow-ups.
    const messageId = claim.conversation.messageId;
    const ref = [...claim.refs.values()].find((r) => r.messageId === messageId && r.alertThreadId);
    if (!threadsOn || ref === undefined) return job;
    const ended = latestPerIncident([...claim.conversation.shown, ...base.events]).every(
      (e) => e.kind === 'resolved',
    );
    return { ...job, ...threadOf(ref), ...(ended ? { closesThread: true as const } : {}) };
  }
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
  // The incident's thread gets the update or recovery too, while the chat has threads on.
  const thread = threadsOn ? threadOf(ref) : {};
  if (first.eventKind === 'updated' && ref?.editable)
    return { ...base, kind: 'edit', editMessageId: messageId, ...thread };
  const closes =
    'alertThreadId' in thread && first.eventKind === 'resolved' ? { closesThread: true as const } : {};
  return { ...base, kind: 'reply', replyToMessageId: messageId, ...thread, ...closes };
}

/**
 * The thread fields of a job of an incident whose reference `ref` is: its thread, and when that
 * was deleted (`alertThreadGone`), the alert message to start a new one from.
 */
function threadOf(ref: MessageRef | undefined): Pick<DeliveryJob, 'alertThreadId' | 'restartThread'> {
  if (ref?.alertThreadId === undefined) return {};
  if (ref.alertThreadGone !== true) return { alertThreadId: ref.alertThreadId };
  return ref.messageId === null
    ? {}
    : { alertThreadId: ref.alertThreadId, restartThread: { alertMessageId: ref.messageId } };
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
  alertThread?: 'gone' | 'dropped',
): Extract<Settlement, { kind: 'sent' }> {
  const thread = threadSettlement(job, alertThreadId, alertThread);
  const withThread = thread === undefined ? {} : { thread };
  if (job.kind === 'reply' && job.regroups === true) {
    const open = job.events.filter((e) => e.kind !== 'resolved').map((e) => e.incidentId);
    const refs = [...new Set(open)].map((incidentId) => ({ incidentId, editable: false, joinable: true }));
    return { kind: 'sent', messageId, at, refs, ...withThread };
  }
  const incidents = [...new Set(job.events.map((e) => e.incidentId))];
  // An edit of a recovery reply (only recoveries) is no alert: the references stay.
  const grouping =
    job.kind === 'edit' && incidents.length > 1 && job.events.some((e) => e.kind !== 'resolved');
  if (job.kind === 'reply' || (job.kind === 'edit' && !grouping))
    return { kind: 'sent', messageId, at, refs: [], ...withThread };
  const editable = job.kind === 'send' && incidents.length === 1;
  // A new alert's thread; or, when alerts joined one, its thread, recorded for the joining ones too
  // (then marked or replaced with the others' by `thread`), unless it was given up.
  const recorded =
    job.kind === 'send' ? alertThreadId : alertThread === 'dropped' ? undefined : job.alertThreadId;
  const joinable = job.kind !== 'summary';
  return {
    kind: 'sent',
    messageId,
    at,
    refs: incidents.map((incidentId) => ({ incidentId, editable, joinable })),
    ...(recorded === undefined ? {} : { alertThreadId: recorded }),
    ...withThread,
  };
}

/** What became of the thread an `edit` or `reply` used: deleted, given up, or started anew. */
function threadSettlement(
  job: DeliveryJob,
  alertThreadId: string | undefined,
  alertThread: 'gone' | 'dropped' | undefined,
): Extract<Settlement, { kind: 'sent' }>['thread'] {
  const id = job.alertThreadId;
  if (id === undefined || job.kind === 'send') return undefined;
  if (alertThread !== undefined) return { id, became: alertThread };
  if (job.restartThread !== undefined && alertThreadId !== undefined)
    return { id, became: 'restarted', newId: alertThreadId };
  return undefined;
}
