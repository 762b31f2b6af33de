import type { LookupFunction } from 'node:net';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createTcpProbe, tcpProbe } from '../../../src/monitors/probes/tcp-probe.js';
import { freePort, parseOptions, probeContext, socketClosed, startTcpServer } from './probe-test-kit.js';

const options = (input: unknown) => parseOptions(tcpProbe, input);

/**
 * A listener whose accept queue is full, so new SYNs are dropped and connects hang (the only way
 * to get a connect timeout on loopback). The listening socket lives in a worker thread blocked in
 * `Atomics.wait`, so its event loop never calls accept().
 */
async function startStalledListener(): Promise<{ port: number; release: () => Promise<void> }> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0);
       server.close();
     });`,
    { eval: true, workerData: gate },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const fillers = await fillAcceptQueue(port);
  return {
    port,
    release: async () => {
      fillers.forEach((socket) => socket.destroy());
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await worker.terminate();
    },
  };
}

// How many connections a full queue holds depends on the kernel (Linux: backlog + 1). A dropped
// SYN sends no event, so "this connect stays pending" can only be observed by waiting a little.
const PENDING_CONNECT_MS = 250;
const MAX_FILLERS = 16;

async function fillAcceptQueue(port: number): Promise<Socket[]> {
  const fillers: Socket[] = [];
  for (let i = 0; i < MAX_FILLERS; i += 1) {
    const socket = connect(port, '127.0.0.1').on('error', () => {});
    fillers.push(socket);
    const connected = await Promise.race([
      new Promise<boolean>((resolve) => socket.once('connect', () => resolve(true))),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), PENDING_CONNECT_MS)),
    ]);
    if (!connected) return fillers;
  }
  throw new Error('could not fill the accept queue');
}

describe('tcp probe', () => {
  it('is up when the port accepts, and closes its connection', async () => {
    const server = await startTcpServer();
    const outcome = await tcpProbe.run(options({ host: '127.0.0.1', port: server.port }), probeContext());
    expect(outcome).toMatchObject({ status: 'up', reason: 'ok' });
    expect(outcome.latencyMs).toBeTypeOf('number');
    expect(server.sockets).toHaveLength(1);
    await socketClosed(server.sockets[0]!);
  });

  it('is down/refused when nothing listens, with no latency', async () => {
    const port = await freePort();
    const outcome = await tcpProbe.run(options({ host: '127.0.0.1', port }), probeContext());
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'refused',
      latencyMs: null,
      facts: { errorCode: 'ECONNREFUSED' },
    });
    expect(outcome.message).toContain('ECONNREFUSED');
  });

  it('is down/timeout when the handshake never completes', async () => {
    const listener = await startStalledListener();
    try {
      const outcome = await tcpProbe.run(
        options({ host: '127.0.0.1', port: listener.port }),
        probeContext(300),
      );
      expect(outcome).toMatchObject({ status: 'down', reason: 'timeout', latencyMs: null });
    } finally {
      await listener.release();
    }
  });

  it('is down/aborted when the caller cancels', async () => {
    const listener = await startStalledListener();
    try {
      const caller = new AbortController();
      const running = tcpProbe.run(
        options({ host: '127.0.0.1', port: listener.port }),
        probeContext(10_000, caller.signal),
      );
      caller.abort();
      expect(await running).toMatchObject({ status: 'down', reason: 'aborted' });
    } finally {
      await listener.release();
    }
  });

  it('is down/dns-nxdomain when the host does not resolve', async () => {
    const lookup = ((_host: string, _options: unknown, callback: (error: Error) => void) => {
      callback(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' }));
    }) as unknown as LookupFunction;
    const probe = createTcpProbe({ lookup });
    const outcome = await probe.run(options({ host: 'nowhere.test', port: 443 }), probeContext());
    expect(outcome).toMatchObject({ status: 'down', reason: 'dns-nxdomain', latencyMs: null });
  });

  it('describes its target as host:port', () => {
    expect(tcpProbe.describe(options({ host: '::1', port: 53 }))).toBe('[::1]:53');
    expect(tcpProbe.describe(options({ host: 'example.com', port: 443 }))).toBe('example.com:443');
  });
});
