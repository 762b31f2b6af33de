import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpProbe, httpProbe } from '../../../src/monitors/probes/http-probe.js';
import {
  checkBodyOffThread,
  INLINE_MAX_BYTES,
  parseWorkersStarted,
  stopParseWorker,
} from '../../../src/monitors/probes/parse-worker.js';
import { createFakeLookup, startDnsServer } from '../../fakes/dns-server.js';
import {
  freePort,
  listen,
  parseOptions,
  probeContext,
  socketClosed,
  startTcpServer,
} from './probe-test-kit.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

async function serve(handler: Handler): Promise<string> {
  return `http://127.0.0.1:${await listen(createServer(handler))}`;
}

const reply =
  (status: number, body = '', headers: Record<string, string> = {}): Handler =>
  (_request, response) => {
    response.writeHead(status, headers).end(body);
  };

function check(input: Record<string, unknown>, timeoutMs = 2000) {
  return httpProbe.run(parseOptions(httpProbe, input), probeContext(timeoutMs));
}

describe('http probe: status', () => {
  it('is up on 200 with the status in its message and a latency', async () => {
    const outcome = await check({ url: await serve(reply(200, 'hello')) });
    expect(outcome).toMatchObject({ status: 'up', reason: 'ok', message: 'HTTP 200' });
    expect(outcome.latencyMs).toBeTypeOf('number');
  });

  it('is down/http-status on 503', async () => {
    const outcome = await check({ url: await serve(reply(503)) });
    expect(outcome).toEqual({
      status: 'down',
      reason: 'http-status',
      message: 'HTTP 503',
      latencyMs: expect.any(Number) as number,
      facts: { statusCode: 503 },
    });
    expect(outcome.latencyMs).toBeTypeOf('number');
  });

  it.each([
    [204, '200,204', 'up'],
    [201, '200,204', 'down'],
    [302, '300-399', 'up'],
    [404, 404, 'up'],
    [404, '200-399', 'down'],
  ] as const)('judges HTTP %i against expect.status %j as %s', async (code, status, verdict) => {
    const outcome = await check({ url: await serve(reply(code)), maxRedirects: 0, expect: { status } });
    expect(outcome.status).toBe(verdict);
  });
});

afterAll(() => stopParseWorker());

describe('http probe: body assertions', () => {
  const page = JSON.stringify({ status: { indicator: 'none' }, items: [{ ok: true, tags: ['a', 'b'] }] });

  it.each([
    [{ keyword: 'indicator' }, 'up', 'ok'],
    [{ keyword: 'missing-word' }, 'down', 'assertion'],
    [{ notKeyword: 'indicator' }, 'down', 'assertion'],
    [{ notKeyword: 'outage' }, 'up', 'ok'],
    [{ regex: '"indicator":\\s*"none"' }, 'up', 'ok'],
    [{ regex: '^nope' }, 'down', 'assertion'],
    [{ json: { path: 'status.indicator', equals: 'none' } }, 'up', 'ok'],
    [{ json: { path: 'status.indicator', equals: 'major' } }, 'down', 'assertion'],
    [{ json: { path: 'items[0].ok', equals: true } }, 'up', 'ok'],
    [{ json: { path: 'items[0]', equals: { tags: ['a', 'b'], ok: true } } }, 'up', 'ok'],
    [{ json: { path: 'items[0].tags', contains: 'b' } }, 'up', 'ok'],
    [{ json: { path: 'status.indicator', contains: 'no' } }, 'up', 'ok'],
    [{ json: { path: 'items[3].ok', equals: true } }, 'down', 'assertion'],
  ])('expect %j is %s', async (assertion, status, reason) => {
    const outcome = await check({ url: await serve(reply(200, page)), expect: assertion });
    expect(outcome).toMatchObject({ status, reason });
  });

  it('explains a failed JSON assertion with the value found', async () => {
    const outcome = await check({
      url: await serve(reply(200, page)),
      expect: { json: { path: 'status.indicator', equals: 'major' } },
    });
    expect(outcome.message).toBe('JSON status.indicator is "none", expected "major"');
  });

  it('fails a JSON assertion on a body that is not JSON', async () => {
    const outcome = await check({
      url: await serve(reply(200, '<html>')),
      expect: { json: { path: 'a', equals: 1 } },
    });
    expect(outcome).toMatchObject({ status: 'down', reason: 'assertion', message: 'body is not JSON' });
  });

  it('is unknown, not down, when a big body cannot be checked within the timeout', async () => {
    // The operator's regex is catastrophic on this body: the site answered, only our check of
    // its body ran out of time, which says nothing about the site.
    const body = 'a'.repeat(INLINE_MAX_BYTES * 2);
    const outcome = await check({ url: await serve(reply(200, body)), expect: { regex: '^(a|a)*b' } }, 500);
    expect(outcome).toMatchObject({ status: 'unknown', reason: 'assertion' });
    expect(outcome.message).toMatch(
      /^HTTP 200, body not checked: body check stopped after \d+ ms \(body too hard to parse\)$/,
    );
    expect(outcome.latencyMs).toBeTypeOf('number');
    const workers = parseWorkersStarted();
    // The regex was stopped at the deadline, not left to run: the next body check gets a fresh worker.
    const next = {
      bytes: Buffer.from('ok'.repeat(INLINE_MAX_BYTES)),
      truncated: false,
      cappedAtBytes: 1 << 24,
    };
    const keyword = parseOptions(httpProbe, {
      url: 'https://example.com/',
      expect: { keyword: 'ok' },
    }).expect;
    expect(await checkBodyOffThread(keyword, next)).toBeNull();
    expect(parseWorkersStarted()).toBe(workers + 1);
  });

  it('stops its body check on the worker when the check is cancelled', async () => {
    let answered = false;
    const url = await serve((_request, response) => {
      response.end('a'.repeat(INLINE_MAX_BYTES * 2));
      answered = true;
    });
    const caller = new AbortController();
    const options = parseOptions(httpProbe, { url, expect: { regex: '^(a|a)*b' } });
    const running = httpProbe.run(options, probeContext(30_000, caller.signal));
    while (!answered) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the regex is running on the worker
    const workers = parseWorkersStarted();
    caller.abort();
    expect(await running).toMatchObject({ status: 'down', reason: 'aborted' });
    // The worker was stopped, not left to run the regex for its whole 30 s: the next check gets a fresh one.
    const body = {
      bytes: Buffer.from('ok'.repeat(INLINE_MAX_BYTES)),
      truncated: false,
      cappedAtBytes: 1 << 24,
    };
    const keyword = parseOptions(httpProbe, { url, expect: { keyword: 'ok' } }).expect;
    expect(await checkBodyOffThread(keyword, body)).toBeNull();
    expect(parseWorkersStarted()).toBe(workers + 1);
  });

  it('checks the status before the body', async () => {
    const outcome = await check({
      url: await serve(reply(500, 'indicator')),
      expect: { keyword: 'indicator' },
    });
    expect(outcome).toMatchObject({ status: 'down', reason: 'http-status' });
  });
});

describe('http probe: speed and timeouts', () => {
  const SLOW_ANSWER_MS = 50;

  it('is degraded/slow when the answer comes after degradedAfter', async () => {
    const url = await serve((_request, response) => {
      setTimeout(() => response.end('late'), SLOW_ANSWER_MS);
    });
    const outcome = await check({ url, degradedAfter: '10ms' });
    expect(outcome).toMatchObject({ status: 'degraded', reason: 'slow' });
    expect(outcome.latencyMs).toBeGreaterThan(10);
  });

  it('is down/timeout within the timeout when the server never answers', async () => {
    const server = await startTcpServer();
    const outcome = await check({ url: `http://127.0.0.1:${server.port}/` }, 300);
    expect(outcome).toMatchObject({ status: 'down', reason: 'timeout', latencyMs: null });
    await socketClosed(server.sockets[0]!);
  });

  it('is down/timeout within the timeout when the body stalls, and hangs up', async () => {
    const server = await startTcpServer((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'));
    });
    const url = `http://127.0.0.1:${server.port}/`;
    expect(await check({ url }, 300)).toMatchObject({ status: 'down', reason: 'timeout', latencyMs: null });
    await socketClosed(server.sockets[0]!);
    const keyword = await check({ url, expect: { keyword: 'abc' } }, 300);
    expect(keyword).toMatchObject({ status: 'down', reason: 'timeout', latencyMs: null });
    await socketClosed(server.sockets[1]!);
  });

  it('is down/aborted at once when the caller cancels', async () => {
    const server = await startTcpServer();
    const caller = new AbortController();
    const options = parseOptions(httpProbe, { url: `http://127.0.0.1:${server.port}/` });
    const running = httpProbe.run(options, probeContext(10_000, caller.signal));
    caller.abort();
    expect(await running).toMatchObject({ status: 'down', reason: 'aborted', latencyMs: null });
  });

  it('is down/timeout when the caller signal fires with a TimeoutError', async () => {
    const server = await startTcpServer();
    const caller = new AbortController();
    const options = parseOptions(httpProbe, { url: `http://127.0.0.1:${server.port}/` });
    const running = httpProbe.run(options, probeContext(10_000, caller.signal));
    caller.abort(new DOMException('monitor timeout', 'TimeoutError'));
    expect(await running).toMatchObject({ status: 'down', reason: 'timeout' });
  });
});

describe('http probe: broken peers', () => {
  it('is down/refused when nothing listens', async () => {
    const outcome = await check({ url: `http://127.0.0.1:${await freePort()}/` });
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'refused',
      latencyMs: null,
      facts: { errorCode: 'ECONNREFUSED' },
    });
  });

  it('is down/reset when the server hangs up mid-response', async () => {
    const server = await startTcpServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Le'));
    });
    const outcome = await check({ url: `http://127.0.0.1:${server.port}/` });
    expect(outcome).toMatchObject({ status: 'down', reason: 'reset' });
  });

  it('is down/reset when the connection dies inside the body', async () => {
    const server = await startTcpServer((socket) => {
      socket.once('data', () =>
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc', () => socket.destroy()),
      );
    });
    const outcome = await check({ url: `http://127.0.0.1:${server.port}/`, expect: { keyword: 'abc' } });
    expect(outcome).toMatchObject({ status: 'down', reason: 'reset' });
  });

  it('is down/protocol when the server answers with garbage', async () => {
    const server = await startTcpServer((socket) => {
      socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    });
    const outcome = await check({ url: `http://127.0.0.1:${server.port}/` });
    expect(outcome).toMatchObject({ status: 'down', reason: 'protocol' });
  });

  it('is down/dns-nxdomain when the host does not resolve', async () => {
    const dns = await startDnsServer({});
    try {
      const probe = createHttpProbe({ lookup: createFakeLookup(dns) });
      const outcome = await probe.run(parseOptions(probe, { url: 'http://nowhere.test/' }), probeContext());
      expect(outcome).toMatchObject({ status: 'down', reason: 'dns-nxdomain', latencyMs: null });
    } finally {
      await dns.close();
    }
  });

  it('reaches a host resolved through the injected lookup', async () => {
    const dns = await startDnsServer({ 'site.test': { A: ['127.0.0.1'] } });
    try {
      const port = await listen(createServer(reply(200, 'hi')));
      const probe = createHttpProbe({ lookup: createFakeLookup(dns) });
      const outcome = await probe.run(
        parseOptions(probe, { url: `http://site.test:${port}/` }),
        probeContext(),
      );
      expect(outcome).toMatchObject({ status: 'up', reason: 'ok' });
    } finally {
      await dns.close();
    }
  });
});
