/**
 * HTTP probe with `reuse: true`: one kept-alive connection per origin, counted on the server's
 * side; re-established after a fault; fresh connections stay the default; the SSRF guard's checks
 * never reuse.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeContext } from '../../../src/monitors/probe.js';
import { DEFAULT_REUSE_LIMITS, ReusePool } from '../../../src/monitors/probes/http-pool.js';
import { createHttpProbe } from '../../../src/monitors/probes/http-probe.js';
import { STRICT_ADDRESS_POLICY } from '../../../src/monitors/ssrf/address-policy.js';
import { createConnectionGuard } from '../../../src/monitors/ssrf/ssrf-guard.js';
import type { TestPki } from '../../fixtures/tls/test-pki.js';
import { makeTestPki } from '../../fixtures/tls/test-pki.js';
import { listen, parseOptions, probeContext, socketClosed } from './probe-test-kit.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A server that counts the connections it accepted (TLS ones once their handshake is done). */
async function countingServer(
  handler: Handler,
  make: (handler: Handler) => Server = (h) => createServer(h),
  scheme = 'http',
): Promise<{ url: string; sockets: Socket[] }> {
  const server = make(handler);
  const sockets: Socket[] = [];
  server.on(scheme === 'https' ? 'secureConnection' : 'connection', (socket: Socket) => sockets.push(socket));
  return { url: `${scheme}://127.0.0.1:${await listen(server)}/`, sockets };
}

const ok: Handler = (_request, response) => response.end('ok');

let pool = new ReusePool(undefined);
let probe = createHttpProbe({ reusePool: pool });

afterEach(async () => {
  await pool.close();
});

function freshProbe(limits = DEFAULT_REUSE_LIMITS, now: () => number = Date.now): void {
  pool = new ReusePool(undefined, limits, now);
  probe = createHttpProbe({ reusePool: pool });
}

/**
 * One check, then one turn of the event loop: undici hands a kept-alive socket back to its pool a
 * tick after the body ends, and a real schedule's checks are seconds apart (back to back, the next
 * request would find the socket still busy and open a second one, up to `connectionsPerOrigin`).
 */
async function check(input: Record<string, unknown>, ctx: ProbeContext = probeContext(2000)) {
  const outcome = await probe.run(parseOptions(probe, input), ctx);
  await new Promise(setImmediate);
  return outcome;
}

describe('http probe: reuse', () => {
  it('makes N checks of one monitor on one connection', async () => {
    freshProbe();
    const target = await countingServer(ok);
    for (let i = 0; i < 5; i++) {
      expect(await check({ url: target.url, reuse: true })).toMatchObject({ status: 'up' });
    }
    expect(target.sockets).toHaveLength(1);
  });

  it('shares the connection between monitors on one origin', async () => {
    freshProbe();
    const target = await countingServer(ok);
    await check({ url: `${target.url}a`, reuse: true });
    await check({ url: `${target.url}b`, reuse: true, expect: { keyword: 'ok' } });
    await check({ url: `${target.url}a`, reuse: true });
    expect(target.sockets).toHaveLength(1);
    expect(pool.size).toBe(1);
  });

  it('opens a connection per check by default', async () => {
    freshProbe();
    const target = await countingServer(ok);
    for (let i = 0; i < 3; i++) expect(await check({ url: target.url })).toMatchObject({ status: 'up' });
    expect(target.sockets).toHaveLength(3);
    expect(pool.size).toBe(0);
  });

  it('by default, follows redirects within a check on its own connections and closes them all when it ends', async () => {
    freshProbe();
    // Servers that never close an idle connection themselves: the probe's side closes them.
    const keepOpen = (handler: Handler): Server => {
      const server = createServer(handler);
      server.keepAliveTimeout = 0;
      return server;
    };
    const elsewhere = await countingServer(ok, keepOpen);
    // First hop to /, a redirect on the same origin to /next, then one to another origin.
    const origin = await countingServer(
      (request, response) =>
        response.writeHead(302, { location: request.url === '/' ? '/next' : elsewhere.url }).end(),
      keepOpen,
    );
    for (let i = 0; i < 2; i++) {
      expect(await check({ url: origin.url })).toMatchObject({ message: 'HTTP 200 after 2 redirect(s)' });
    }
    // One connection per origin per check (the same-origin hop rides the check's own connection).
    expect(origin.sockets).toHaveLength(2);
    expect(elsewhere.sockets).toHaveLength(2);
    await Promise.all([...origin.sockets, ...elsewhere.sockets].map(socketClosed));
  });

  it('keeps the connection after a 5xx: an answer, not a connection fault', async () => {
    freshProbe();
    let answers = 0;
    const target = await countingServer((_request, response) => {
      answers += 1;
      response.writeHead(answers === 2 ? 503 : 200).end('x');
    });
    expect(await check({ url: target.url, reuse: true })).toMatchObject({ status: 'up' });
    expect(await check({ url: target.url, reuse: true })).toMatchObject({
      status: 'down',
      reason: 'http-status',
    });
    expect(await check({ url: target.url, reuse: true })).toMatchObject({ status: 'up' });
    expect(target.sockets).toHaveLength(1);
  });

  it('connects anew after a reset', async () => {
    freshProbe();
    let answers = 0;
    const target = await countingServer((request, response) => {
      answers += 1;
      if (answers === 2) request.socket.destroy();
      else response.end('ok');
    });
    expect(await check({ url: target.url, reuse: true })).toMatchObject({ status: 'up' });
    expect(await check({ url: target.url, reuse: true })).toMatchObject({ status: 'down', reason: 'reset' });
    expect(await check({ url: target.url, reuse: true })).toMatchObject({ status: 'up' });
    expect(target.sockets).toHaveLength(2);
  });

  it('hangs up a stalled reused connection when the check times out, and the next check connects anew', async () => {
    freshProbe();
    let answers = 0;
    const target = await countingServer((_request, response) => {
      answers += 1;
      if (answers !== 2) response.end('ok'); // the second request is never answered
    });
    // One timeout for all three checks (it is part of the pool's key). The caller's signal fires
    // with a TimeoutError long before undici's own timers (60 s) would: only the probe can hang up
    // the stalled socket in time.
    expect(await check({ url: target.url, reuse: true }, probeContext(60_000))).toMatchObject({
      status: 'up',
    });
    const controller = new AbortController();
    const stalled = check({ url: target.url, reuse: true }, probeContext(60_000, controller.signal));
    await new Promise<void>((resolve) => {
      const wait = (): void => void (answers >= 2 ? resolve() : setImmediate(wait));
      wait();
    });
    controller.abort(new DOMException('check timed out', 'TimeoutError'));
    expect(await stalled).toMatchObject({ status: 'down', reason: 'timeout' });
    await socketClosed(target.sockets[0]!);
    expect(await check({ url: target.url, reuse: true }, probeContext(60_000))).toMatchObject({
      status: 'up',
    });
    expect(target.sockets).toHaveLength(2);
  });

  it('follows a redirect to another origin on a fresh connection', async () => {
    freshProbe();
    const elsewhere = await countingServer(ok);
    const origin = await countingServer((_request, response) =>
      response.writeHead(302, { location: elsewhere.url }).end(),
    );
    for (let i = 0; i < 2; i++) {
      expect(await check({ url: origin.url, reuse: true })).toMatchObject({ status: 'up' });
    }
    expect(origin.sockets).toHaveLength(1);
    expect(elsewhere.sockets).toHaveLength(2);
  });

  it('keeps at most maxOrigins agents, closing the least recently used', async () => {
    freshProbe({ ...DEFAULT_REUSE_LIMITS, maxOrigins: 1 });
    const a = await countingServer(ok);
    const b = await countingServer(ok);
    await check({ url: a.url, reuse: true });
    await check({ url: b.url, reuse: true });
    await check({ url: a.url, reuse: true });
    expect(pool.size).toBe(1);
    expect(a.sockets).toHaveLength(2);
    expect(b.sockets).toHaveLength(1);
    await socketClosed(b.sockets[0]!); // b's agent was closed when a's came back
  });
  it('closes an origin no check has used for idleEntryMs (its monitor was removed or changed)', async () => {
    let clock = 1_000_000;
    freshProbe(DEFAULT_REUSE_LIMITS, () => clock);
    const removed = await countingServer(ok);
    const kept = await countingServer(ok);
    await check({ url: removed.url, reuse: true });
    await check({ url: kept.url, reuse: true });
    clock += DEFAULT_REUSE_LIMITS.idleEntryMs - 1;
    await check({ url: kept.url, reuse: true }); // the removed monitor's origin is idle, not yet past the limit
    expect(pool.size).toBe(2);
    clock += 60_000;
    await check({ url: kept.url, reuse: true });
    expect(pool.size).toBe(1);
    await socketClosed(removed.sockets[0]!);
    expect(kept.sockets).toHaveLength(1);
  });
});

describe('http probe: reuse over HTTPS', () => {
  let pki: TestPki;

  beforeAll(() => {
    pki = makeTestPki();
  });

  afterAll(() => {
    pki.cleanup();
  });

  it('makes N checks on one TLS connection (one handshake)', async () => {
    freshProbe();
    const target = await countingServer(
      ok,
      (handler) => createHttpsServer({ key: pki.key, cert: pki.selfSigned.cert }, handler),
      'https',
    );
    for (let i = 0; i < 4; i++) {
      expect(await check({ url: target.url, reuse: true, ca: pki.selfSigned.certPath })).toMatchObject({
        status: 'up',
      });
    }
    expect(target.sockets).toHaveLength(1);
  });

  it('does not share a connection between monitors with different certificate checks', async () => {
    freshProbe();
    const target = await countingServer(
      ok,
      (handler) => createHttpsServer({ key: pki.key, cert: pki.selfSigned.cert }, handler),
      'https',
    );
    expect(await check({ url: target.url, reuse: true, insecure: true })).toMatchObject({ status: 'up' });
    // The same origin, but this monitor verifies the certificate: its own connection fails the check.
    expect(await check({ url: target.url, reuse: true })).toMatchObject({ status: 'down', reason: 'tls' });
    expect(pool.size).toBe(1);
  });
});

describe('http probe: reuse and the SSRF guard', () => {
  it('still refuses a forbidden target, connecting nowhere', async () => {
    const target = await countingServer(ok);
    const guarded = createHttpProbe({
      createGuard: () =>
        createConnectionGuard({ resolve: () => Promise.resolve([]), policy: STRICT_ADDRESS_POLICY }),
    });
    const outcome = await guarded.run(
      parseOptions(guarded, { url: target.url, reuse: true }),
      probeContext(2000),
    );
    expect(outcome).toMatchObject({ status: 'down', reason: 'blocked' });
    expect(target.sockets).toHaveLength(0);
  });

  it('connects anew on every guarded check even with reuse', async () => {
    const target = await countingServer(ok);
    const guarded = createHttpProbe({
      createGuard: () =>
        createConnectionGuard({
          resolve: () => Promise.resolve([]),
          policy: { allowedRanges: ['127.0.0.1/32'] },
        }),
    });
    const options = parseOptions(guarded, { url: target.url, reuse: true });
    for (let i = 0; i < 2; i++) {
      expect(await guarded.run(options, probeContext(2000))).toMatchObject({ status: 'up' });
    }
    expect(target.sockets).toHaveLength(2);
  });
});
