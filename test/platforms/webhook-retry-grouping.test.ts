/**
 * Why webhook events carry their own id: a delivery retried after a failure is planned again from
 * the outbox, and an alert that opened meanwhile is grouped into it. The retry is then another
 * delivery (another delivery id) that holds the first event again, with the same event id.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { GROUP_GATHER_MS } from '../../src/core/delivery/grouping.js';
import type { ChatAddress } from '../../src/core/delivery/ports.js';
import type { Db } from '../../src/db/database.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { OutboxWorker } from '../../src/dispatch/outbox-worker.js';
import { Pacer, UNPACED } from '../../src/dispatch/pacer.js';
import { deliveryIdOf, eventIdOf } from '../../src/platforms/webhook/webhook-payload.js';
import { FakeClock } from '../helpers/catalog.js';
import {
  ScriptedSender,
  T0,
  fakeSleep,
  incidentEvent,
  silentLog,
  tempDatabase,
} from '../dispatch/delivery-fixtures.js';

const endpoint: ChatAddress = { platform: 'webhook', chatId: 'ops' };

let tmp: ReturnType<typeof tempDatabase>;
let db: Db;
beforeEach(() => {
  tmp = tempDatabase();
  db = tmp.open();
});
afterEach(() => tmp.dispose());

it('a retry groups an alert opened meanwhile: a new delivery id, the first event keeps its event id', async () => {
  const clock = new FakeClock(T0 + GROUP_GATHER_MS);
  const subs = new SqliteSubscriptionStore(db);
  const outbox = new SqliteOutboxStore(db);
  subs.subscribe(endpoint, '*', 'minor', T0);
  const sender = new ScriptedSender('webhook');
  const sleep = fakeSleep(clock);
  const worker = new OutboxWorker(
    {
      store: outbox,
      subscriptions: subs,
      sender,
      pacer: new Pacer(UNPACED, clock, sleep),
      clock,
      log: silentLog,
      sleep,
      random: () => 1,
    },
    { retry: { baseMs: 5_000, capMs: 60_000, maxAttempts: 5, maxAgeMs: 3_600_000 } },
  );
  const first = incidentEvent();
  outbox.enqueueIncidentEvent(first);
  // The receiver may have got it: the answer did not come in time.
  sender.answer({ kind: 'transient', error: 'no answer within 10000 ms' });
  await worker.runOnce();
  const later = incidentEvent({
    incidentId: 2,
    serviceId: 'instagram',
    serviceName: 'Instagram',
    at: clock.now(),
    startedAt: clock.now(),
  });
  outbox.enqueueIncidentEvent(later);
  clock.advance(5_000 + GROUP_GATHER_MS);
  await worker.runOnce();

  const [tried, retried] = sender.jobs;
  expect(tried?.events.map((e) => e.incidentId)).toEqual([1]);
  expect(retried?.events.map((e) => e.incidentId)).toEqual([1, 2]);
  if (tried === undefined || retried === undefined) throw new Error('two deliveries expected');
  expect(deliveryIdOf('ops', retried)).not.toBe(deliveryIdOf('ops', tried));
  expect(retried.events.map(eventIdOf)[0]).toBe(eventIdOf(first));
});
