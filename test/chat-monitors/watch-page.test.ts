/**
 * `/watch`'s use case against a status page on loopback, serving the real fixtures of
 * test/fixtures/status: the page is read once through the SSRF guard (told to allow 127.0.0.1/32,
 * as the other chat-monitor tests do), its format detected, its components matched; the monitor is
 * stored (SQLite, migration 014), registered as a status-page probe and the chat subscribed.
 */
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildChatMonitorConfig } from '../../src/chat-monitors/chat-monitor-config.js';
import { DEFAULT_CHAT_MONITOR_LIMITS } from '../../src/chat-monitors/chat-monitor-limits.js';
import {
  type ChatMonitorCaller,
  ChatMonitorService,
  distinctName,
  matchComponents,
  pageName,
} from '../../src/chat-monitors/chat-monitor-service.js';
import type { ChatMonitor } from '../../src/chat-monitors/chat-monitor-store.js';
import type { Db } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/database.js';
import { SqliteChatMonitorStore } from '../../src/db/sqlite-chat-monitor-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import type { SsrfGuardDeps } from '../../src/monitors/ssrf/ssrf-guard.js';
import { PAGE_COMPONENTS_TTL_MS } from '../../src/chat-monitors/page-components-cache.js';
import { INLINE_MAX_BYTES, parseJobsTaken, stopParseWorker } from '../../src/monitors/probes/parse-worker.js';
import { HOSTILE_SHAPES } from '../helpers/parser-inputs.js';

const fixture = (path: string): string =>
  readFileSync(new URL(`../fixtures/status/${path}`, import.meta.url), 'utf8');

const GITHUB_SUMMARY = fixture('statuspage/github_summary_incident_2022-11-25.json');
const INSTATUS_RSS = fixture('instatus/northflank_history_2026-09-25.rss');
const HTML = fixture('signal/status_signal_org_outage_2021-01-16.html');

/** Path → [content type, body]; anything else is a 404. Each test sets its own. */
let routes: Record<string, readonly [string, string]> = {};
/** Requests per path. */
let hits: Record<string, number> = {};
/** While set, every answer waits for it (a page slower than autocomplete may wait). */
let held: Promise<void> | undefined;
/** The day after the newest fixture (feeds judge their entries' recency by it). */
const DAY_AFTER = Date.parse('2026-09-26T00:00:00Z');
let nowMs = DAY_AFTER;
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    hits[req.url ?? ''] = (hits[req.url ?? ''] ?? 0) + 1;
    await held;
    const route = routes[req.url ?? ''];
    if (route === undefined) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('content-type', route[0]);
    res.end(route[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(stopParseWorker);
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

const admin: ChatMonitorCaller = { platform: 'discord', chatId: '200', guildId: '100', userId: 'u1' };
/** Every name resolves to the loopback server; only 127.0.0.1/32 is let through. */
const LOOPBACK_GUARD: SsrfGuardDeps = {
  resolve: () => Promise.resolve(['127.0.0.1']),
  policy: { allowedRanges: ['127.0.0.1/32'] },
};
const page = (path: string): string => `http://status.example.test:${port}${path}`;

describe('ChatMonitorService.watch on a loopback status page', () => {
  let db: Db;
  let registered: Map<number, ChatMonitor>;
  let subscriptions: SqliteSubscriptionStore;
  let store: SqliteChatMonitorStore;

  const service = (guard = LOOPBACK_GUARD, maxPerOwner = 3): ChatMonitorService =>
    new ChatMonitorService({
      store,
      guard,
      limits: { ...DEFAULT_CHAT_MONITOR_LIMITS, maxPerOwner, allowedRanges: guard.policy.allowedRanges },
      subscriptions,
      runtime: {
        register: (m) => registered.set(m.id, m),
        unregister: (m) => registered.delete(m.id),
      },
      clock: { now: () => nowMs },
    });

  beforeEach(() => {
    db = openDatabase(':memory:');
    registered = new Map();
    store = new SqliteChatMonitorStore(db);
    subscriptions = new SqliteSubscriptionStore(db);
    routes = {};
    hits = {};
    held = undefined;
    nowMs = DAY_AFTER;
  });
  afterEach(() => db.close());

  it('tries a Statuspage page given as its human page as /api/v2/summary.json, with components', async () => {
    routes = {
      '/': ['text/html; charset=utf-8', HTML],
      '/api/v2/summary.json': ['application/json', GITHUB_SUMMARY],
    };
    const result = await service().watch(admin, {
      url: page('/'),
      components: ['git operations', 'API REQUESTS'],
    });
    expect(result).toMatchObject({
      kind: 'added',
      serviceId: 'chat-1',
      monitor: {
        name: 'status.example.test',
        kind: 'status-page',
        target: page('/api/v2/summary.json'),
        components: ['Git Operations', 'API Requests'],
        intervalMs: DEFAULT_CHAT_MONITOR_LIMITS.minIntervalMs,
      },
    });
    // Stored with the page's spelling (migration 014's column), registered, the chat subscribed.
    expect(await store.listAll()).toMatchObject([
      { kind: 'status-page', components: ['Git Operations', 'API Requests'] },
    ]);
    expect(registered.get(1)).toMatchObject({ kind: 'status-page' });
    expect(subscriptions.listSubscriptions({ platform: 'discord', chatId: '200' })).toMatchObject([
      { serviceId: 'chat-1' },
    ]);
    const built = buildChatMonitorConfig(registered.get(1)!, DEFAULT_CHAT_MONITOR_LIMITS, LOOPBACK_GUARD);
    expect(built.monitor).toMatchObject({
      type: 'statuspage',
      role: 'official',
      options: { url: page('/api/v2/summary.json'), components: ['Git Operations', 'API Requests'] },
    });
    expect((await service().list(admin)).audit).toMatchObject([{ action: 'add', actor: 'u1' }]);
  });

  it('follows an Instatus history.rss as it is, the whole page when no component is named', async () => {
    routes = { '/history.rss': ['application/rss+xml', INSTATUS_RSS] };
    const result = await service().watch(admin, { url: page('/history.rss'), components: [] });
    expect(result).toMatchObject({
      kind: 'added',
      monitor: { kind: 'status-page', target: page('/history.rss'), components: [] },
    });
  });

  it('refuses an HTML page with no summary behind it, saying it found HTML, and stores nothing', async () => {
    routes = { '/': ['text/html', HTML] };
    const result = await service().watch(admin, { url: page('/'), components: [] });
    expect(result).toEqual({ kind: 'not-status-page', found: { kind: 'html' } });
    expect(await store.listAll()).toEqual([]);
    expect(registered.size).toBe(0);
  });

  it('says a health endpoint is JSON of no known shape, and an error status is that status', async () => {
    routes = { '/health': ['application/json', '{"status":"ok"}'] };
    expect(await service().watch(admin, { url: page('/health'), components: [] })).toEqual({
      kind: 'not-status-page',
      found: { kind: 'unknown-json' },
    });
    expect(await service().watch(admin, { url: page('/missing.json'), components: [] })).toEqual({
      kind: 'not-status-page',
      found: { kind: 'http-status', status: 404 },
    });
  });

  it('parses a big page on the parse worker, as its checks are: a hostile one does not hold the event loop', async () => {
    // About 170 ms of parsing on the main thread at 2 MiB (linear, but long for an event loop).
    const hostile = HOSTILE_SHAPES.find((s) => s.name === 'open tags without ">" in an item')!;
    routes = {
      '/hostile.rss': ['application/rss+xml', hostile.build(2 * 1024 * 1024)],
      // A real summary padded past the inline limit: its components still come back.
      '/api/v2/summary.json': [
        'application/json',
        JSON.stringify({ ...JSON.parse(GITHUB_SUMMARY), padding: 'x'.repeat(INLINE_MAX_BYTES) }),
      ],
    };
    const taken = parseJobsTaken();
    let answered = false;
    const watching = service()
      .watch(admin, { url: page('/hostile.rss'), components: [] })
      .finally(() => (answered = true));
    // Until the page is handed to the worker (or, parsed on the main thread, the watch answers).
    while (!answered && parseJobsTaken() === taken) await new Promise((resolve) => setImmediate(resolve));
    expect(parseJobsTaken()).toBe(taken + 1);
    // A timer set while the worker parses runs before the answer comes.
    const timerFirst = await Promise.race([
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 0)),
      watching.then(() => false),
    ]);
    expect(timerFirst).toBe(true);
    expect(await watching).toEqual({ kind: 'not-status-page', found: { kind: 'unreadable' } });

    const big = await service().watch(admin, {
      url: page('/api/v2/summary.json'),
      components: ['git operations'],
    });
    expect(big).toMatchObject({ kind: 'added', monitor: { components: ['Git Operations'] } });
    expect(parseJobsTaken()).toBe(taken + 2);
  });

  it('answers unknown components with every component the page lists', async () => {
    routes = { '/api/v2/summary.json': ['application/json', GITHUB_SUMMARY] };
    const result = await service().watch(admin, {
      url: page('/api/v2/summary.json'),
      components: ['Actions', 'Gits'],
    });
    expect(result).toMatchObject({ kind: 'unknown-components', unknown: ['Gits'] });
    expect(result.kind === 'unknown-components' && result.known).toEqual(
      expect.arrayContaining(['Git Operations', 'Actions', 'Copilot']),
    );
    expect(await store.listAll()).toEqual([]);
  });

  it('refuses private addresses before reading anything (strict policy)', async () => {
    routes = { '/api/v2/summary.json': ['application/json', GITHUB_SUMMARY] };
    const strict: SsrfGuardDeps = { resolve: LOOPBACK_GUARD.resolve, policy: { allowedRanges: [] } };
    expect(await service(strict).watch(admin, { url: 'http://10.1.2.3/', components: [] })).toEqual({
      kind: 'refused',
      reason: 'private',
    });
    expect(await service(strict).watch(admin, { url: page('/api/v2/summary.json'), components: [] })).toEqual(
      {
        kind: 'refused',
        reason: 'loopback',
      },
    );
    expect(await store.listAll()).toEqual([]);
  });

  it('names a second page of the same host apart, and refuses the same page with the same components', async () => {
    routes = {
      '/api/v2/summary.json': ['application/json', GITHUB_SUMMARY],
      '/history.rss': ['application/rss+xml', INSTATUS_RSS],
    };
    const s = service(LOOPBACK_GUARD, 5);
    const first = await s.watch(admin, { url: page('/api/v2/summary.json'), components: ['Actions'] });
    expect(first).toMatchObject({ kind: 'added', monitor: { name: 'status.example.test' } });
    const second = await s.watch(admin, { url: page('/history.rss'), components: [] });
    expect(second).toMatchObject({ kind: 'added', monitor: { name: 'status.example.test-2' } });
    // Other components of the first page: a third monitor; the very same ones again: refused.
    const third = await s.watch(admin, { url: page('/api/v2/summary.json'), components: ['Git Operations'] });
    expect(third).toMatchObject({ kind: 'added', monitor: { name: 'status.example.test-3' } });
    expect(await s.watch(admin, { url: page('/api/v2/summary.json'), components: ['actions'] })).toEqual({
      kind: 'name-taken',
      name: 'status.example.test',
    });
    // `/monitor remove` takes each name.
    expect(await s.remove(admin, 'status.example.test-2')).toMatchObject({ kind: 'removed' });
  });

  it('offers a page its components for autocomplete, read once through the guard and kept a few minutes', async () => {
    routes = {
      '/': ['text/html; charset=utf-8', HTML],
      '/api/v2/summary.json': ['application/json', GITHUB_SUMMARY],
    };
    const s = service();
    const names = await s.pageComponents(page('/'), 5_000);
    expect(names).toEqual(expect.arrayContaining(['Git Operations', 'API Requests', 'Actions']));
    expect(hits).toEqual({ '/': 1, '/api/v2/summary.json': 1 });
    // Every keystroke asks again: the names kept are the answer, nothing is read.
    expect(await s.pageComponents(` ${page('/')} `, 5_000)).toEqual(names);
    expect(hits).toEqual({ '/': 1, '/api/v2/summary.json': 1 });
    nowMs += PAGE_COMPONENTS_TTL_MS;
    expect(await s.pageComponents(page('/'), 5_000)).toEqual(names);
    expect(hits).toEqual({ '/': 2, '/api/v2/summary.json': 2 });
    expect(await store.listAll()).toEqual([]);
  });

  it('offers nothing for a refused address, a page that is no status feed, or no URL', async () => {
    routes = { '/': ['text/html', HTML], '/health': ['application/json', '{"status":"ok"}'] };
    const strict: SsrfGuardDeps = { resolve: LOOPBACK_GUARD.resolve, policy: { allowedRanges: [] } };
    expect(await service(strict).pageComponents(page('/'), 5_000)).toEqual([]);
    expect(await service(strict).pageComponents('http://169.254.169.254/latest/', 5_000)).toEqual([]);
    expect(hits).toEqual({});
    expect(await service().pageComponents(page('/'), 5_000)).toEqual([]);
    expect(await service().pageComponents(page('/health'), 5_000)).toEqual([]);
    expect(await service().pageComponents('not a url', 5_000)).toEqual([]);
    expect(await service().pageComponents('ftp://example.org/', 5_000)).toEqual([]);
  });

  it('answers nothing when the page is slower than the wait, then what it read at the next ask', async () => {
    routes = { '/api/v2/summary.json': ['application/json', GITHUB_SUMMARY] };
    let release = (): void => undefined;
    held = new Promise((resolve) => (release = resolve));
    const s = service();
    expect(await s.pageComponents(page('/api/v2/summary.json'), 20)).toEqual([]);
    release();
    // The read went on: this ask joins it (one request in all) and gets its names.
    expect(await s.pageComponents(page('/api/v2/summary.json'), 5_000)).toContain('Git Operations');
    expect(hits).toEqual({ '/api/v2/summary.json': 1 });
  });

  it('refuses more monitors than the community may have', async () => {
    routes = { '/api/v2/summary.json': ['application/json', GITHUB_SUMMARY] };
    const one = service(LOOPBACK_GUARD, 1);
    expect(await one.add(admin, { name: 'shop', target: 'https://shop.example.org/' })).toMatchObject({
      kind: 'added',
    });
    expect(await one.watch(admin, { url: page('/api/v2/summary.json'), components: [] })).toEqual({
      kind: 'limit-reached',
      limit: 1,
    });
  });
});

describe('watch helpers', () => {
  it('matches components case-insensitively, keeping the page spelling, once each', () => {
    expect(
      matchComponents([' git operations ', 'GIT OPERATIONS', 'Nope', ''], ['Git Operations', 'API']),
    ).toEqual({
      names: ['Git Operations'],
      unknown: ['Nope'],
    });
  });

  it('names apart a page whose host name is taken, within 40 characters, any case', () => {
    expect(distinctName('status.example.com', [])).toBe('status.example.com');
    expect(distinctName('status.example.com', ['Status.Example.com', 'status.example.com-2'])).toBe(
      'status.example.com-3',
    );
    const long = 'a'.repeat(40);
    expect(distinctName(long, [long])).toBe(`${'a'.repeat(38)}-2`);
  });

  it('names a page after its host, without www., as a valid monitor name', () => {
    expect(pageName(new URL('https://www.githubstatus.com/api/v2/summary.json'))).toBe('githubstatus.com');
    expect(pageName(new URL('http://[::1]:8080/'))).toMatch(/^page-/);
    expect(pageName(new URL(`https://${'a'.repeat(60)}.example.com/`))).toHaveLength(40);
  });
});
