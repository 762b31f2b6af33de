/**
 * Per-service silences in the outbox, on both backends (core/delivery/silences.ts): while a chat
 * silences a service, that service's rows for the chat are set aside and keep nothing else waiting;
 * at the silence's end an incident still open goes out as its alert, one that opened and recovered
 * inside is dropped, and the recovery of an alert sent before the silence replies to it.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FOLLOW_UP_GATHER_MS, GROUP_GATHER_MS } from '../../src/core/delivery/grouping.js';
import { planDelivery, sentSettlement } from '../../src/core/delivery/delivery-plan.js';
import type { ClaimedChat } from '../../src/core/delivery/ports.js';
import { T0, incidentEvent } from '../dispatch/delivery-fixtures.js';
import { BACKENDS, type OutboxBackend, type OutboxUnderTest, endPostgresBackend } from './outbox-backends.js';

const LEASE = { limit: 10, leaseMs: 60_000 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const A = { platform: 'telegram', chatId: 'A' } as const;
const B = { platform: 'telegram', chatId: 'B' } as const;

afterAll(endPostgresBackend);

const ROWS = `SELECT c.chat_id, o.incident_id, o.event_kind, o.status, o.next_attempt_at
  FROM outbox o JOIN chats c ON c.ref = o.chat_ref ORDER BY o.id`;

/** Which chat a claim is for and the events it carries, `kind:incident`. */
const shape = (claims: readonly ClaimedChat[]) =>
  claims
    .map((c) => ({ chat: c.chat.chatId, events: c.items.map((i) => `${i.eventKind}:${i.incidentId}`) }))
    .sort((x, y) => x.chat.localeCompare(y.chat));

describe.each(BACKENDS)('per-service silences in the outbox (%s)', (_name, makeBackend) => {
  let b: OutboxBackend;
  let outbox: OutboxUnderTest;

  beforeEach(async () => {
    b = await makeBackend();
    outbox = b.store();
    await b.subscribe(A, 'whatsapp', 'minor', T0);
    await b.subscribe(A, 'github', 'minor', T0);
    await b.subscribe(B, 'whatsapp', 'minor', T0);
  });
  afterEach(() => b.dispose());

  const deliver = async (claims: readonly ClaimedChat[], at: number): Promise<void> => {
    for (const claim of claims) {
      const job = planDelivery(claim);
      expect(await outbox.settle(claim, sentSettlement(job, `m-${claim.chat.chatId}-${at}`, at))).toBe(true);
    }
  };
  const open = (incidentId: number, at: number, serviceId = 'whatsapp') =>
    outbox.enqueueIncidentEvent(
      incidentEvent({ incidentId, serviceId, serviceName: serviceId, at, startedAt: at }),
    );
  const resolve = (incidentId: number, at: number) =>
    outbox.enqueueIncidentEvent(
      incidentEvent({ kind: 'resolved', incidentId, at, status: 'up', startedAt: T0 }),
    );

  it('sets the service aside for that chat only: other services and chats go out, nothing waits behind it', async () => {
    await b.silences.setSilence(A, 'whatsapp', T0 + HOUR, T0);
    await open(1, T0);
    await open(2, T0 + 1_000, 'github');

    const claims = await outbox.claimDue('telegram', T0 + 1_000 + GROUP_GATHER_MS, LEASE);

    // A's github alert goes out although A's earlier whatsapp row is still to be told.
    expect(shape(claims)).toEqual([
      { chat: 'A', events: ['opened:2'] },
      { chat: 'B', events: ['opened:1'] },
    ]);
    expect(await b.all(ROWS)).toEqual([
      { chat_id: 'A', incident_id: 1, event_kind: 'opened', status: 'silenced', next_attempt_at: T0 + HOUR },
      expect.objectContaining({ chat_id: 'B', incident_id: 1, status: 'leased' }),
      expect.objectContaining({ chat_id: 'A', incident_id: 2, status: 'leased' }),
    ]);
  });

  it('drops an incident that opened and recovered inside the silence, and its reference', async () => {
    await b.silences.setSilence(A, 'whatsapp', T0 + HOUR, T0);
    await open(1, T0);
    await deliver(await outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE), T0 + GROUP_GATHER_MS);
    await resolve(1, T0 + 10 * MINUTE);
    const recovery = await outbox.claimDue('telegram', T0 + 10 * MINUTE + FOLLOW_UP_GATHER_MS, LEASE);
    expect(shape(recovery)).toEqual([{ chat: 'B', events: ['resolved:1'] }]);
    await deliver(recovery, T0 + 11 * MINUTE);

    // Not yet: the silence lasts.
    expect(await outbox.claimDue('telegram', T0 + HOUR - 1, LEASE)).toEqual([]);
    expect(await outbox.claimDue('telegram', T0 + HOUR, LEASE)).toEqual([]);

    const rows = await b.all<{ chat_id: string }>(ROWS);
    expect(rows.map((r) => r.chat_id)).toEqual(['B', 'B']);
    expect(
      await b.all(
        "SELECT COUNT(*) AS n FROM message_refs m JOIN chats c ON c.ref = m.chat_ref WHERE c.chat_id = 'A'",
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('alerts an incident still open when the silence ends, with what changed meanwhile', async () => {
    await b.silences.setSilence(A, 'whatsapp', T0 + HOUR, T0);
    await open(1, T0);
    await outbox.enqueueIncidentEvent(
      incidentEvent({ kind: 'updated', incidentId: 1, at: T0 + MINUTE, status: 'degraded' }),
    );
    await deliver(await outbox.claimDue('telegram', T0 + MINUTE + GROUP_GATHER_MS, LEASE), T0 + 2 * MINUTE);

    // Another worker (a restarted process) finds the rows where the first left them.
    const claims = await b.secondStore().claimDue('telegram', T0 + HOUR, LEASE);

    expect(shape(claims)).toEqual([{ chat: 'A', events: ['opened:1', 'updated:1'] }]);
    expect(claims[0]?.released).toBe(false);
    expect(planDelivery(claims[0]!).kind).toBe('send');
  });

  it('replies with the recovery of an alert the chat got before the silence', async () => {
    await open(1, T0);
    await deliver(await outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE), T0 + GROUP_GATHER_MS);
    await b.silences.setSilence(A, 'whatsapp', T0 + HOUR, T0 + MINUTE);
    await resolve(1, T0 + 10 * MINUTE);
    await deliver(
      await outbox.claimDue('telegram', T0 + 10 * MINUTE + FOLLOW_UP_GATHER_MS, LEASE),
      T0 + 11 * MINUTE,
    );

    const claims = await outbox.claimDue('telegram', T0 + HOUR, LEASE);

    expect(shape(claims)).toEqual([{ chat: 'A', events: ['resolved:1'] }]);
    expect(planDelivery(claims[0]!)).toMatchObject({
      kind: 'reply',
      replyToMessageId: `m-A-${T0 + GROUP_GATHER_MS}`,
    });
  });

  it('drops up to the recovery and alerts the reopening when the incident came back inside', async () => {
    await b.silences.setSilence(A, 'whatsapp', T0 + HOUR, T0);
    await open(1, T0);
    await resolve(1, T0 + 5 * MINUTE);
    await outbox.enqueueIncidentEvent(
      incidentEvent({ kind: 'reopened', incidentId: 1, at: T0 + 8 * MINUTE }),
    );
    await deliver(await outbox.claimDue('telegram', T0 + 9 * MINUTE, LEASE), T0 + 9 * MINUTE);
    await deliver(await outbox.claimDue('telegram', T0 + 10 * MINUTE, LEASE), T0 + 10 * MINUTE);

    const claims = await outbox.claimDue('telegram', T0 + HOUR, LEASE);

    expect(shape(claims).filter((c) => c.chat === 'A')).toEqual([{ chat: 'A', events: ['reopened:1'] }]);
  });

  it('re-times the rows set aside when the silence changes, and off releases them at once', async () => {
    await b.silences.setSilence(A, 'whatsapp', T0 + HOUR, T0);
    await open(1, T0);
    await deliver(await outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE), T0 + GROUP_GATHER_MS);

    await b.silences.setSilence(A, 'whatsapp', T0 + 3 * HOUR, T0 + MINUTE);
    expect(await b.all("SELECT next_attempt_at FROM outbox WHERE status = 'silenced'")).toEqual([
      { next_attempt_at: T0 + 3 * HOUR },
    ]);
    expect(await outbox.claimDue('telegram', T0 + HOUR, LEASE)).toEqual([]);
    expect(await b.silences.listSilences(A, T0 + HOUR)).toEqual([
      { serviceId: 'whatsapp', endsAt: T0 + 3 * HOUR },
    ]);

    expect(await b.silences.endSilence(A, 'whatsapp', T0 + 2 * HOUR)).toBe(true);
    expect(await b.silences.endSilence(A, 'whatsapp', T0 + 2 * HOUR)).toBe(false);
    expect(await b.silences.listSilences(A, T0 + 2 * HOUR)).toEqual([]);

    const claims = await outbox.claimDue('telegram', T0 + 2 * HOUR, LEASE);
    expect(shape(claims)).toEqual([{ chat: 'A', events: ['opened:1'] }]);
  });

  it('sets aside rows the chat already had queued, held by a mute too, when the silence begins', async () => {
    await open(1, T0);
    const claims = await outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    // Chat A is muted: its alert is held until the mute ends; B's goes out.
    for (const claim of claims)
      if (claim.chat.chatId === 'A') await outbox.settle(claim, { kind: 'hold', until: T0 + 30 * MINUTE });
      else await deliver([claim], T0 + GROUP_GATHER_MS);
    await b.silences.setSilence(A, 'whatsapp', T0 + HOUR, T0 + MINUTE);

    // The mute ends: its summary has nothing of the silenced service, so there is none.
    expect(await outbox.claimDue('telegram', T0 + 30 * MINUTE, LEASE)).toEqual([]);
    expect(await b.all(ROWS)).toEqual([
      { chat_id: 'A', incident_id: 1, event_kind: 'opened', status: 'silenced', next_attempt_at: T0 + HOUR },
      expect.objectContaining({ chat_id: 'B', status: 'sent' }),
    ]);
  });

  it('keeps a service silenced in one chat from being silenced in another', async () => {
    await b.silences.setSilence(B, 'github', T0 + HOUR, T0);
    await open(1, T0);
    const claims = await outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE);
    expect(shape(claims)).toEqual([
      { chat: 'A', events: ['opened:1'] },
      { chat: 'B', events: ['opened:1'] },
    ]);
  });

  it('follows a chat that moved into another, and dies with a chat that was deactivated', async () => {
    await b.silences.setSilence(A, 'whatsapp', T0 + HOUR, T0);
    await open(1, T0);
    await deliver(await outbox.claimDue('telegram', T0 + GROUP_GATHER_MS, LEASE), T0 + GROUP_GATHER_MS);

    // A's supergroup is B: the silence and the row set aside follow.
    expect(await b.silences.rewriteChatId('telegram', 'A', 'B')).toBe(true);
    expect(await b.silences.listSilences(B, T0 + MINUTE)).toEqual([
      { serviceId: 'whatsapp', endsAt: T0 + HOUR },
    ]);
    expect(await b.all(`${ROWS.replace(' ORDER BY', " WHERE o.status = 'silenced' ORDER BY")}`)).toEqual([
      { chat_id: 'B', incident_id: 1, event_kind: 'opened', status: 'silenced', next_attempt_at: T0 + HOUR },
    ]);

    expect(await b.silences.deactivateChat(B, 'blocked', T0 + 2 * MINUTE)).toBe(true);
    expect(await b.all("SELECT COUNT(*) AS n FROM outbox WHERE status = 'silenced'")).toEqual([{ n: 0 }]);
  });
});
