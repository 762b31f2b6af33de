/**
 * The per-URL cache behind `/watch`'s component autocomplete: bounded in pages kept and reads in
 * flight, one read per URL, and a loader that fails offers nothing instead of rejecting.
 */
import { describe, expect, it } from 'vitest';
import { PageComponentsCache } from '../../src/chat-monitors/page-components-cache.js';

describe('PageComponentsCache', () => {
  it('keeps at most maxPages, dropping the oldest', async () => {
    const loads: string[] = [];
    const cache = new PageComponentsCache({
      load: (url) => {
        loads.push(url);
        return Promise.resolve([`${url} names`]);
      },
      now: () => 0,
      maxPages: 2,
    });
    for (const url of ['a', 'b', 'c']) expect(await cache.get(url, 1_000)).toEqual([`${url} names`]);
    expect(cache.size()).toBe(2);
    await cache.get('c', 1_000);
    await cache.get('b', 1_000);
    expect(loads).toEqual(['a', 'b', 'c']);
    await cache.get('a', 1_000);
    expect(loads).toEqual(['a', 'b', 'c', 'a']);
  });

  it('shares one read per URL and starts no more than maxReads at once', async () => {
    const pending = new Map<string, (names: string[]) => void>();
    const cache = new PageComponentsCache({
      load: (url) => new Promise((resolve) => pending.set(url, resolve)),
      now: () => 0,
      maxReads: 2,
    });
    const waits = [cache.get('a', 10_000), cache.get('a', 10_000), cache.get('b', 10_000)];
    expect(await cache.get('c', 10_000)).toEqual([]);
    expect([...pending.keys()]).toEqual(['a', 'b']);
    pending.get('a')?.(['A']);
    pending.get('b')?.(['B']);
    expect(await Promise.all(waits)).toEqual([['A'], ['A'], ['B']]);
    // Reads done: a new URL is read again.
    const c = cache.get('c', 10_000);
    pending.get('c')?.(['C']);
    expect(await c).toEqual(['C']);
  });

  it('offers nothing when the loader throws or rejects, and keeps that answer', async () => {
    let calls = 0;
    const cache = new PageComponentsCache({
      load: (url) => {
        calls += 1;
        if (url === 'sync') throw new Error('boom');
        return Promise.reject(new Error('boom'));
      },
      now: () => 0,
    });
    expect(await cache.get('sync', 1_000)).toEqual([]);
    expect(await cache.get('async', 1_000)).toEqual([]);
    expect(await cache.get('async', 1_000)).toEqual([]);
    expect(calls).toBe(2);
  });
});
