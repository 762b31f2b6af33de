import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAddress } from '../../src/core/delivery/ports.js';
import type { Db } from '../../src/db/database.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { T0, incidentEvent, outboxRows, tempDatabase } from '../dispatch/delivery-fixtures.js';

const group: ChatAddress = { platform: 'telegram', chatId: '-4001' };
const channel: ChatAddress = { platform: 'discord', chatId: '1234567890123456789' };

describe('SqliteSubscriptionStore', () => {
  let tmp: ReturnType<typeof tempDatabase>;
  let db: Db;
  let store: SqliteSubscriptionStore;

  beforeEach(() => {
    tmp = tempDatabase();
    db = tmp.open();
    store = new SqliteSubscriptionStore(db, { locale: 'bn', timeZone: 'Asia/Dhaka' });
  });
  afterEach(() => tmp.dispose());

  it('subscribes, changes the severity of an existing subscription, lists and unsubscribes', () => {
    expect(store.subscribe({ ...channel, guildId: '77' }, 'github', 'minor', T0)).toEqual({ created: true });
    expect(store.subscribe(channel, '*', 'major', T0)).toEqual({ created: true });
    expect(store.subscribe(channel, 'github', 'major', T0 + 1)).toEqual({ created: false });
    expect(store.listSubscriptions(channel)).toEqual([
      { serviceId: '*', minSeverity: 'major', createdAt: T0, threadId: null },
      { serviceId: 'github', minSeverity: 'major', createdAt: T0, threadId: null },
    ]);
    expect(store.getChat(channel)?.guildId).toBe('77');
    expect(store.unsubscribe(channel, 'github')).toBe(true);
    expect(store.unsubscribe(channel, 'github')).toBe(false);
    expect(store.unsubscribeAll(channel)).toBe(1);
    expect(store.listSubscriptions(channel)).toEqual([]);
  });

  it("lists one platform's chats, active or not, by chat id", () => {
    store.subscribe({ platform: 'telegram', chatId: '-9' }, 'github', 'minor', T0);
    store.subscribe(group, 'github', 'minor', T0);
    store.subscribe(channel, 'github', 'minor', T0);
    store.deactivateChat(group, 'kicked', T0);
    expect(store.listChats('telegram').map((c) => [c.chatId, c.active])).toEqual([
      ['-4001', false],
      ['-9', true],
    ]);
    expect(store.listChats('discord').map((c) => c.chatId)).toEqual([channel.chatId]);
  });

  it('gives new chats the configured defaults and keeps setting changes', () => {
    expect(store.getSettings(group)).toEqual({
      locale: 'bn',
      timeZone: 'Asia/Dhaka',
      quietHours: null,
      mutedUntil: null,
      mentionRoleId: null,
    });
    store.updateSettings(
      group,
      { locale: 'en', quietHours: { startMinute: 23 * 60, endMinute: 7 * 60 } },
      T0,
    );
    store.updateSettings(group, { mutedUntil: T0 + 3_600_000 }, T0);
    expect(store.getSettings(group)).toEqual({
      locale: 'en',
      timeZone: 'Asia/Dhaka',
      quietHours: { startMinute: 1380, endMinute: 420 },
      mutedUntil: T0 + 3_600_000,
      mentionRoleId: null,
    });
    expect(db.prepare('SELECT quiet_hours FROM chats').get()).toEqual({ quiet_hours: '23:00-07:00' });
  });

  it('deactivates a chat with its reason, kills its queue, and a new subscribe reactivates it', () => {
    const outbox = new SqliteOutboxStore(db);
    store.subscribe(group, 'whatsapp', 'minor', T0);
    outbox.enqueueIncidentEvent(incidentEvent());
    expect(store.deactivateChat(group, 'bot was kicked', T0 + 5)).toBe(true);
    expect(store.getChat(group)).toMatchObject({
      active: false,
      deactivatedReason: 'bot was kicked',
      deactivatedAt: T0 + 5,
    });
    expect(outboxRows(db)).toMatchObject([
      { status: 'dead', last_error: 'chat deactivated: bot was kicked' },
    ]);
    expect(store.listRecipients(incidentEvent({ incidentId: 2 }))).toEqual([]);

    store.subscribe(group, 'github', 'minor', T0 + 10);
    expect(store.getChat(group)).toMatchObject({
      active: true,
      deactivatedReason: null,
      deactivatedAt: null,
    });
  });

  it('rewrites a migrated Telegram chat id, or merges into the new chat when it is known already', () => {
    store.subscribe(group, 'whatsapp', 'minor', T0);
    expect(store.rewriteChatId('telegram', '-4001', '-1004001')).toBe(true);
    expect(store.getChat(group)).toBeNull();
    expect(store.listSubscriptions({ platform: 'telegram', chatId: '-1004001' })).toHaveLength(1);

    const other: ChatAddress = { platform: 'telegram', chatId: '-5' };
    store.subscribe(other, 'github', 'major', T0);
    store.subscribe(other, 'whatsapp', 'major', T0);
    expect(store.rewriteChatId('telegram', '-5', '-1004001')).toBe(true);
    expect(store.getChat(other)).toBeNull();
    expect(store.listSubscriptions({ platform: 'telegram', chatId: '-1004001' })).toEqual([
      { serviceId: 'github', minSeverity: 'major', createdAt: T0, threadId: null },
      { serviceId: 'whatsapp', minSeverity: 'minor', createdAt: T0, threadId: null },
    ]);
    expect(store.rewriteChatId('telegram', '-404', '-1')).toBe(false);
  });

  describe('recipients of an event', () => {
    beforeEach(() => {
      store.subscribe({ platform: 'telegram', chatId: '1' }, 'whatsapp', 'minor', T0);
      store.subscribe({ platform: 'telegram', chatId: '2' }, 'whatsapp', 'major', T0);
      store.subscribe({ platform: 'telegram', chatId: '3' }, '*', 'minor', T0);
      store.subscribe({ platform: 'telegram', chatId: '4' }, 'github', 'minor', T0);
      store.subscribe({ platform: 'discord', chatId: '5' }, '*', 'major', T0);
      store.subscribe({ platform: 'discord', chatId: '5' }, 'whatsapp', 'minor', T0);
    });
    const ids = (e: Parameters<SqliteSubscriptionStore['listRecipients']>[0]): string[] =>
      store.listRecipients(e).map((c) => c.chatId);

    it('matches the service or *, at or above the minimum severity, each chat once', () => {
      expect(ids(incidentEvent({ severity: 'major' }))).toEqual(['1', '2', '3', '5']);
      expect(ids(incidentEvent({ severity: 'minor' }))).toEqual(['1', '3', '5']);
      expect(ids(incidentEvent({ serviceId: 'github', severity: 'minor' }))).toEqual(['3', '4']);
      expect(ids(incidentEvent({ serviceId: 'github', severity: 'major' }))).toEqual(['3', '4', '5']);
    });

    it('sends updates and the recovery to the chats told of the opening, even if they no longer match', () => {
      const outbox = new SqliteOutboxStore(db);
      outbox.enqueueIncidentEvent(incidentEvent({ severity: 'major' }));
      store.unsubscribe({ platform: 'telegram', chatId: '2' }, 'whatsapp');
      // Downgraded to minor: chat 2 (major only, now unsubscribed) still hears about it.
      expect(ids(incidentEvent({ kind: 'updated', severity: 'minor' }))).toEqual(['1', '2', '3', '5']);
      expect(ids(incidentEvent({ kind: 'resolved', severity: 'minor' }))).toEqual(['1', '2', '3', '5']);
      // A recovery never goes to a chat that was not told of the outage.
      expect(ids(incidentEvent({ kind: 'resolved', incidentId: 9 }))).toEqual([]);
    });
  });
});
