import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMonitor } from '../../src/chat-monitors/chat-monitor-store.js';
import { buildChatMonitorConfig } from '../../src/chat-monitors/chat-monitor-config.js';
import { DEFAULT_CHAT_MONITOR_LIMITS } from '../../src/chat-monitors/chat-monitor-limits.js';
import type { ChatMonitorCaller } from '../../src/chat-monitors/chat-monitor-service.js';
import { ChatMonitorService } from '../../src/chat-monitors/chat-monitor-service.js';
import { describeSsrfRefusal } from '../../src/core/i18n/ssrf-messages.js';
import type { Db } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/database.js';
import { SqliteChatMonitorStore } from '../../src/db/sqlite-chat-monitor-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { STRICT_ADDRESS_POLICY } from '../../src/monitors/ssrf/address-policy.js';

const admin: ChatMonitorCaller = { platform: 'discord', chatId: '200', guildId: '100', userId: 'u1' };
const otherGuild: ChatMonitorCaller = { platform: 'discord', chatId: '300', guildId: '999', userId: 'u2' };
const telegramGroup: ChatMonitorCaller = { platform: 'telegram', chatId: '-1001', userId: 'u3' };

describe('ChatMonitorService on SQLite', () => {
  let db: Db;
  let now: number;
  let registered: Map<number, ChatMonitor>;
  let service: ChatMonitorService;
  let subscriptions: SqliteSubscriptionStore;
  let store: SqliteChatMonitorStore;

  beforeEach(() => {
    db = openDatabase(':memory:');
    now = 1_780_000_000_000;
    registered = new Map();
    store = new SqliteChatMonitorStore(db);
    subscriptions = new SqliteSubscriptionStore(db);
    service = new ChatMonitorService({
      store,
      guard: { resolve: () => Promise.resolve(['93.184.216.34']), policy: STRICT_ADDRESS_POLICY },
      limits: { ...DEFAULT_CHAT_MONITOR_LIMITS, maxPerOwner: 3 },
      subscriptions,
      runtime: {
        register: (m) => registered.set(m.id, m),
        unregister: (m) => registered.delete(m.id),
      },
      clock: { now: () => now },
    });
  });
  afterEach(() => db.close());

  it('adds a monitor owned by the guild, registers it and subscribes the chat', async () => {
    const result = await service.add(admin, {
      name: 'Our site',
      target: 'https://site.example.org/ Welcome',
    });
    expect(result).toMatchObject({ kind: 'added', serviceId: 'chat-1' });
    expect(registered.get(1)).toMatchObject({
      ownerKey: 'discord:guild:100',
      target: 'https://site.example.org/ Welcome',
      intervalMs: 60_000,
      createdBy: 'u1',
      createdAt: now,
    });
    expect(subscriptions.listSubscriptions({ platform: 'discord', chatId: '200' })).toMatchObject([
      { serviceId: 'chat-1' },
    ]);
    expect(service.visibility.isVisible('chat-1', 'discord:guild:100')).toBe(true);
    expect(service.visibility.isVisible('chat-1', 'discord:guild:999')).toBe(false);
    expect(service.visibility.isVisible('whatsapp', 'discord:guild:999')).toBe(true);
  });

  it('subscribes a Telegram forum to its new monitor in the topic it was added from', async () => {
    const inTopic: ChatMonitorCaller = { ...telegramGroup, userId: 'chat:-1001', threadId: '7' };
    const result = await service.add(inTopic, { name: 'Shop', target: 'https://shop.example.org/' });
    expect(result).toMatchObject({ kind: 'added', serviceId: 'chat-1' });
    expect(subscriptions.listSubscriptions({ platform: 'telegram', chatId: '-1001' })).toMatchObject([
      { serviceId: 'chat-1', threadId: '7' },
    ]);
    expect((await service.list(telegramGroup)).audit).toMatchObject([{ actor: 'chat:-1001', action: 'add' }]);
  });

  it('refuses http://169.254.169.254/ with the reason, in English and Bengali, and stores nothing', async () => {
    const result = await service.add(admin, { name: 'meta', target: 'http://169.254.169.254/' });
    expect(result).toEqual({ kind: 'refused', reason: 'cloud-metadata' });
    expect(describeSsrfRefusal('en', 'cloud-metadata')).toContain('metadata');
    expect(describeSsrfRefusal('bn', 'cloud-metadata')).toContain('মেটাডেটা');
    expect(store.listAll()).toEqual([]);
    expect(registered.size).toBe(0);
  });

  it('enforces the per-community limit, the minimum interval, names and duplicates', async () => {
    expect(await service.add(admin, { name: 'a', target: 'example.org:443', intervalMs: 59_999 })).toEqual({
      kind: 'interval-too-short',
      minIntervalMs: 60_000,
    });
    expect(await service.add(admin, { name: '@everyone', target: 'example.org:443' })).toEqual({
      kind: 'invalid-name',
    });
    for (const name of ['a', 'b', 'c']) {
      expect(await service.add(admin, { name, target: 'example.org:443' })).toMatchObject({ kind: 'added' });
    }
    expect(await service.add(admin, { name: 'd', target: 'example.org:443' })).toEqual({
      kind: 'limit-reached',
      limit: 3,
    });
    expect(await service.add(otherGuild, { name: 'A', target: 'example.org:443' })).toMatchObject({
      kind: 'added',
    });
    expect(await service.add(otherGuild, { name: 'a', target: 'example.org:80' })).toEqual({
      kind: 'name-taken',
      name: 'a',
    });
  });

  it('removes only its own monitors, audits who and when, and lists them', async () => {
    await service.add(telegramGroup, { name: 'game', target: 'play.example.org:25565' });
    expect(await service.remove(otherGuild, 'game')).toEqual({ kind: 'not-found', name: 'game' });
    now += 5_000;
    expect(await service.remove({ ...telegramGroup, userId: 'u9' }, 'GAME')).toMatchObject({
      kind: 'removed',
    });
    expect(registered.size).toBe(0);
    expect(service.visibility.isChatService('chat-1')).toBe(false);
    const listing = await service.list(telegramGroup);
    expect(listing.monitors).toEqual([]);
    expect(listing.audit).toEqual([
      {
        monitorId: 1,
        name: 'game',
        target: 'play.example.org:25565',
        action: 'remove',
        actor: 'u9',
        at: now,
      },
      {
        monitorId: 1,
        name: 'game',
        target: 'play.example.org:25565',
        action: 'add',
        actor: 'u3',
        at: now - 5_000,
      },
    ]);
  });

  it('registers stored monitors again at start-up', async () => {
    await service.add(admin, { name: 'site', target: 'https://site.example.org/' });
    registered.clear();
    await service.start();
    expect([...registered.keys()]).toEqual([1]);
  });

  it('builds a guarded scheduler monitor with the limits', async () => {
    await service.add(admin, { name: 'site', target: 'https://site.example.org/ Welcome' });
    const [monitor] = store.listAll();
    const built = buildChatMonitorConfig(monitor!, DEFAULT_CHAT_MONITOR_LIMITS, {
      resolve: () => Promise.resolve([]),
      policy: STRICT_ADDRESS_POLICY,
    });
    expect(built.service).toMatchObject({ id: 'chat-1', name: 'site', monitorIds: ['chat-1-0'] });
    expect(built.monitor).toMatchObject({
      id: 'chat-1-0',
      timeoutMs: 10_000,
      schedule: { kind: 'every', ms: 60_000 },
      options: { maxRedirects: 5, maxBodyBytes: 65_536, expect: { keyword: 'Welcome' } },
    });
  });

  it('lists each community its own chat services, by name, for the command layer', async () => {
    await service.add(admin, { name: 'site', target: 'https://site.example.org/' });
    await service.add(telegramGroup, { name: 'api', target: 'api.example.org:443' });
    const sameGuild = { platform: 'discord', chatId: '201', guildId: '100' } as const;
    expect(service.servicesOf(sameGuild)).toEqual([{ id: 'chat-1', name: 'site' }]);
    expect(service.servicesOf(otherGuild)).toEqual([]);
    expect(service.servicesOf(telegramGroup)).toEqual([{ id: 'chat-2', name: 'api' }]);
    expect(service.serviceIds()).toEqual(['chat-1', 'chat-2']);
    await service.remove(admin, 'site');
    expect(service.servicesOf(admin)).toEqual([]);
    expect(service.serviceIds()).toEqual(['chat-2']);
  });

  it('never reuses the id of a removed monitor (its service kept its history and incidents)', async () => {
    await service.add(admin, { name: 'a', target: 'https://a.example.org/' });
    await service.add(admin, { name: 'b', target: 'https://b.example.org/' });
    await service.remove(admin, 'b');
    const again = await service.add(admin, { name: 'b', target: 'https://b.example.org/' });
    expect(again).toMatchObject({ kind: 'added', serviceId: 'chat-3' });
    await service.remove(admin, 'a');
    await service.remove(admin, 'b');
    expect(await service.add(admin, { name: 'c', target: 'https://c.example.org/' })).toMatchObject({
      serviceId: 'chat-4',
    });
  });

  it('closes the removed service’s open incident in the same transaction as the removal', async () => {
    await service.add(admin, { name: 'site', target: 'https://site.example.org/' });
    await service.add(admin, { name: 'shop', target: 'https://shop.example.org/' });
    const openIncident = db.prepare(
      `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, resolved_at, evidence_key, evidence_json)
       VALUES (?, 'major', 'down', ?, ?, NULL, '', '[]')`,
    );
    openIncident.run('chat-1', now - 60_000, now - 60_000);
    openIncident.run('chat-2', now - 60_000, now - 60_000);
    now += 1000;
    // Only the store's commit: a crash before the engine closes it must not leave it open.
    expect(store.remove('discord:guild:100', 'site', 'u1', now)).toMatchObject({ id: 1 });
    expect(
      db.prepare('SELECT service_id, status, resolved_at FROM incidents ORDER BY service_id').all(),
    ).toEqual([
      { service_id: 'chat-1', status: 'unknown', resolved_at: now },
      { service_id: 'chat-2', status: 'down', resolved_at: null },
    ]);
  });

  it('ends the subscriptions of the adding and the removing chat when a monitor is removed', async () => {
    await service.add(admin, { name: 'site', target: 'https://site.example.org/' });
    const sibling = { platform: 'discord', chatId: '201', guildId: '100', userId: 'u9' } as const;
    subscriptions.subscribe(sibling, 'chat-1', 'major', now);
    subscriptions.subscribe(sibling, 'whatsapp', 'major', now);
    expect(await service.remove(sibling, 'site')).toMatchObject({ kind: 'removed' });
    expect(subscriptions.listSubscriptions({ platform: 'discord', chatId: '200' })).toEqual([]);
    expect(subscriptions.listSubscriptions(sibling).map((s) => s.serviceId)).toEqual(['whatsapp']);
  });
});
