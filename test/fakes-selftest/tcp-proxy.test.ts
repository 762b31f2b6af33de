/**
 * The partition proxy (test/fakes/tcp-proxy.ts): forwards, `cut()` drops open connections and
 * blackholes new ones (accepted, never answered), `cut('freeze')` stalls open ones instead,
 * `heal()` connects the held ones through and lets the frozen ones go on; and a PostgreSQL client
 * behind it sees exactly that.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type TcpProxy, startTcpProxy } from '../fakes/tcp-proxy.js';
import { testDatabase } from '../helpers/postgres.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function echoServer(): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function proxyTo(port: number, host = '127.0.0.1'): Promise<TcpProxy> {
  const proxy = await startTcpProxy({ host, port });
  cleanups.push(() => proxy.close());
  return proxy;
}

/** A client socket with everything it received and whether it was closed. */
function client(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  cleanups.push(async () => socket.destroy());
  return { socket, received: () => data, closed };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('TCP partition proxy', () => {
  it('forwards, drops open connections on cut, holds new ones until heal', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);

    const a = client(proxy.port);
    a.socket.write('hello');
    await until(() => a.received() === 'hello');

    proxy.cut();
    expect(proxy.isCut).toBe(true);
    await a.closed; // the open connection is gone

    // A new connection is accepted (no refusal) but nothing comes back while cut.
    const b = client(proxy.port);
    b.socket.write('ping');
    await until(() => proxy.accepted === 2);
    const c = client(proxy.port);
    c.socket.write('pong');
    await until(() => proxy.accepted === 3);
    expect(b.received()).toBe('');
    expect(c.received()).toBe('');

    proxy.heal();
    // The held connections go through with what they sent while cut; new ones work at once.
    await until(() => b.received() === 'ping' && c.received() === 'pong');
    const d = client(proxy.port);
    d.socket.write('again');
    await until(() => d.received() === 'again');
  });

  it('freezes open connections without closing them, and lets them go on after heal', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    const a = client(proxy.port);
    a.socket.write('one');
    await until(() => a.received() === 'one');

    proxy.cut('freeze');
    a.socket.write('two');
    const b = client(proxy.port);
    b.socket.write('new');
    await until(() => proxy.accepted === 2);
    expect([a.received(), b.received(), a.socket.destroyed]).toEqual(['one', '', false]);

    proxy.heal();
    await until(() => a.received() === 'onetwo' && b.received() === 'new');
  });

  it('cuts a PostgreSQL client off: queries fail, new connections time out, then work after heal', async () => {
    const url = new URL(await testDatabase());
    const proxy = await proxyTo(Number(url.port), url.hostname);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1, connectionTimeoutMillis: 300 });
    pool.on('error', () => undefined);
    cleanups.push(() => pool.end());
    const one = async () => (await pool.query<{ n: number }>('SELECT 1 AS n')).rows[0]?.n;

    expect(await one()).toBe(1);
    proxy.cut();
    await expect(one()).rejects.toThrow();
    // A new connection hangs (a blackhole, not a refusal): the client's own timeout ends it.
    await expect(one()).rejects.toThrow(/timeout/i);
    proxy.heal();
    await until(() => !proxy.isCut);
    expect(await one()).toBe(1);
  });
});
