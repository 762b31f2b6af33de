/**
 * The chaos test's accounting (test/e2e/fleet-chaos.test.ts), a pure function of what it read at
 * the end: the outages the test caused, the bot's `incidents` and `outbox` rows (which message
 * each delivered row went out in), and the messages each chat received on the platform fakes, in
 * the order the fakes accepted them.
 *
 * The database says which incident events a message carries; the fakes say which messages exist.
 * So a delivered row whose message no fake has is lost, and a message no row refers to was sent
 * by a process that died (or lost its lease) before settling its rows, which were then sent again:
 * a duplicate.
 */

export type Platform = 'telegram' | 'discord';

export interface ChatPlan {
  readonly platform: Platform;
  readonly chatId: string;
  /** Service ids, or `all`. */
  readonly services: ReadonlySet<string> | 'all';
}

export interface IncidentRow {
  readonly id: number;
  readonly serviceId: string;
  readonly resolvedAt: number | null;
}

export interface OutboxRow {
  readonly id: number;
  readonly platform: string;
  readonly chatId: string;
  readonly incidentId: number;
  readonly kind: string;
  readonly status: string;
  readonly messageId: string | null;
}

export interface FleetCountInput {
  readonly chats: readonly ChatPlan[];
  /** Every service the test took down (each exactly once). */
  readonly downed: ReadonlySet<string>;
  readonly incidents: readonly IncidentRow[];
  readonly rows: readonly OutboxRow[];
  /** The ids of the messages the bot sent to each chat (`platform:chatId`), oldest first. */
  readonly messages: ReadonlyMap<string, readonly string[]>;
}

export interface PlatformFigures {
  alertsExpected: number;
  alertsDelivered: number;
  recoveriesExpected: number;
  recoveriesDelivered: number;
  messages: number;
  duplicates: number;
}

export interface FleetCount {
  readonly figures: Record<Platform, PlatformFigures>;
  /** Outages without exactly one incident, incidents of services never taken down, incidents still open. */
  readonly incidentProblems: string[];
  /** An alert or recovery a chat should have and did not get (no row, not sent, or no such message). */
  readonly lost: string[];
  /** More than one row for one chat, incident and kind (one event fanned out twice), or a row for a chat not subscribed. */
  readonly doubled: string[];
  /** Rows of any kind not delivered at the end. */
  readonly undelivered: string[];
  /** Order broken within a chat. */
  readonly outOfOrder: string[];
  /** Recoveries delivered in the same message as their alert (the outage was not told first). */
  readonly recoveredInAlert: number;
}

export const chatKey = (platform: string, chatId: string): string => `${platform}:${chatId}`;

const subscribed = (chat: ChatPlan, serviceId: string): boolean =>
  chat.services === 'all' || chat.services.has(serviceId);

export function countFleet(input: FleetCountInput): FleetCount {
  const incidentProblems: string[] = [];
  const byService = new Map<string, IncidentRow[]>();
  for (const i of input.incidents) byService.set(i.serviceId, [...(byService.get(i.serviceId) ?? []), i]);
  for (const service of input.downed) {
    const found = byService.get(service) ?? [];
    if (found.length !== 1) incidentProblems.push(`${service}: ${found.length} incidents for one outage`);
  }
  for (const [service, found] of byService) {
    if (!input.downed.has(service))
      incidentProblems.push(`${service}: ${found.length} incidents, never down`);
    for (const i of found)
      if (i.resolvedAt === null) incidentProblems.push(`${service}: incident #${i.id} still open`);
  }
  const serviceOf = new Map(input.incidents.map((i) => [i.id, i.serviceId]));

  const empty = (): PlatformFigures => ({
    alertsExpected: 0,
    alertsDelivered: 0,
    recoveriesExpected: 0,
    recoveriesDelivered: 0,
    messages: 0,
    duplicates: 0,
  });
  const figures: Record<Platform, PlatformFigures> = { telegram: empty(), discord: empty() };
  const lost: string[] = [];
  const doubled: string[] = [];
  const outOfOrder: string[] = [];
  const undelivered = input.rows
    .filter((r) => r.status !== 'sent')
    .map((r) => `${chatKey(r.platform, r.chatId)} row ${r.id} (${r.kind} of #${r.incidentId}): ${r.status}`);
  let recoveredInAlert = 0;

  for (const chat of input.chats) {
    const key = chatKey(chat.platform, chat.chatId);
    const f = figures[chat.platform];
    const messages = input.messages.get(key) ?? [];
    const position = new Map(messages.map((id, i) => [id, i]));
    const rows = input.rows.filter((r) => r.platform === chat.platform && r.chatId === chat.chatId);
    f.messages += messages.length;
    const referenced = new Set(rows.map((r) => r.messageId));
    f.duplicates += messages.filter((id) => !referenced.has(id)).length;

    for (const r of rows) {
      const service = serviceOf.get(r.incidentId) ?? '?';
      if (!subscribed(chat, service)) doubled.push(`${key}: row ${r.id} for ${service}, not subscribed`);
    }
    for (const incident of input.incidents) {
      if (!subscribed(chat, incident.serviceId)) continue;
      const where: Partial<Record<'opened' | 'resolved', number>> = {};
      for (const kind of ['opened', 'resolved'] as const) {
        const matching = rows.filter((r) => r.incidentId === incident.id && r.kind === kind);
        const what = `${key}: ${kind === 'opened' ? 'alert' : 'recovery'} of ${incident.serviceId} (#${incident.id})`;
        if (kind === 'opened') f.alertsExpected++;
        else f.recoveriesExpected++;
        if (matching.length > 1) doubled.push(`${what}: ${matching.length} rows`);
        const row = matching[0];
        const at = row?.messageId == null ? undefined : position.get(row.messageId);
        if (row === undefined || row.status !== 'sent' || at === undefined) {
          lost.push(
            `${what}: ${row === undefined ? 'no row' : `${row.status}, message ${row.messageId ?? 'none'}`}`,
          );
          continue;
        }
        where[kind] = at;
        if (kind === 'opened') f.alertsDelivered++;
        else f.recoveriesDelivered++;
      }
      if (where.opened !== undefined && where.resolved !== undefined) {
        if (where.resolved < where.opened)
          outOfOrder.push(`${key}: recovery of #${incident.id} before its alert`);
        if (where.resolved === where.opened) recoveredInAlert++;
      }
    }

    // A chat's rows go out in order (one is not due while an earlier one is unfinished), so each
    // new message starts with the chat's earliest undelivered row: the first rows of its
    // messages, in the order the platform accepted them, rise.
    const firstRow = new Map<string, number>();
    for (const r of rows)
      if (r.messageId !== null) firstRow.set(r.messageId, Math.min(firstRow.get(r.messageId) ?? r.id, r.id));
    let previous = -1;
    for (const id of messages) {
      const first = firstRow.get(id);
      if (first === undefined) continue; // a duplicate
      if (first <= previous)
        outOfOrder.push(`${key}: message ${id} starts with row ${first} after row ${previous}`);
      previous = Math.max(previous, first);
    }
  }
  return { figures, incidentProblems, lost, doubled, undelivered, outOfOrder, recoveredInAlert };
}
