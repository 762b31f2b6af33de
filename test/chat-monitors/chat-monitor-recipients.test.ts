import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../src/core/events.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';

/** A chat monitor's alerts reach its own community only, never chats subscribed to "all" (docs/design.md §4). */

const T0 = 1_780_000_000_000;
const event = (serviceId: string): IncidentEvent => ({
  kind: 'opened',
  incidentId: 1,
  serviceId,
  serviceName: serviceId,
  group: null,
  severity: 'major',
  status: 'down',
  startedAt: T0,
  at: T0,
  evidence: [],
});

describe('recipients of a chat-added service', () => {
  let db: Db;
  let store: SqliteSubscriptionStore;
  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new SqliteSubscriptionStore(db);
  });
  afterEach(() => db.close());

  it('are the chats subscribed to it, not those subscribed to all services', () => {
    const owner = { platform: 'telegram', chatId: '-1001' } as const;
    const everything = { platform: 'telegram', chatId: '-1002' } as const;
    store.subscribe(owner, 'chat-7', 'minor', T0);
    store.subscribe(everything, '*', 'minor', T0);
    expect(store.listRecipients(event('chat-7')).map((c) => c.chatId)).toEqual(['-1001']);
    // Operator services still reach "all" subscribers.
    expect(store.listRecipients(event('whatsapp')).map((c) => c.chatId)).toEqual(['-1002']);
  });
});
