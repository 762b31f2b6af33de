/** HTTP probe: what it sends, how it follows redirects, how much it reads, and HTTPS trust. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_USER_AGENT, httpProbe, httpUserAgent } from '../../../src/monitors/probes/http-probe.js';
import type { TestPki } from '../../fixtures/tls/test-pki.js';
import { makeTestPki } from '../../fixtures/tls/test-pki.js';
import { listen, parseOptions, probeContext, socketClosed } from './probe-test-kit.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

async function serve(handler: Handler): Promise<string> {
  return `http://127.0.0.1:${await listen(createServer(handler))}`;
}

function check(input: Record<string, unknown>, timeoutMs = 2000) {
  return httpProbe.run(parseOptions(httpProbe, input), probeContext(timeoutMs));
}

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A server that answers `route(path)` and records every request it receives. */
async function recordingServer(
  route: (path: string) => { status: number; headers?: Record<string, string> },
) {
  const received: Received[] = [];
  const base = await serve((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const { status, headers = {} } = route(request.url ?? '/');
      response.writeHead(status, headers).end('done');
    });
  });
  return { base, received };
}

describe('http probe: the request', () => {
  it('sends the configured method, headers and body, with its User-Agent', async () => {
    const { base, received } = await recordingServer(() => ({ status: 201 }));
    const outcome = await check({
      url: `${base}/hook?x=1`,
      method: 'post',
      headers: { 'X-Probe': 'yes', 'Content-Type': 'application/json' },
      body: '{"ping":1}',
    });
    expect(outcome).toMatchObject({ status: 'up', message: 'HTTP 201' });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/hook?x=1', body: '{"ping":1}' });
    expect(received[0]?.headers).toMatchObject({
      'x-probe': 'yes',
      'content-type': 'application/json',
      'user-agent': HTTP_USER_AGENT,
    });
  });

  it('names the vantage point the check is made from in its User-Agent, on every hop', async () => {
    const { base, received } = await recordingServer((path) =>
      path === '/a' ? { status: 302, headers: { location: '/b' } } : { status: 200 },
    );
    const outcome = await httpProbe.run(parseOptions(httpProbe, { url: `${base}/a` }), {
      ...probeContext(),
      vantage: 'eu-west',
    });
    expect(outcome.status).toBe('up');
    expect(received.map((r) => r.headers['user-agent'])).toEqual([
      'incident-alert-bot/0.1 (uptime monitor; +vantage=eu-west)',
      'incident-alert-bot/0.1 (uptime monitor; +vantage=eu-west)',
    ]);
    expect(httpUserAgent(undefined)).toBe(HTTP_USER_AGENT);
  });

  it('lets the monitor override the User-Agent', async () => {
    const { base, received } = await recordingServer(() => ({ status: 200 }));
    await check({ url: base, headers: { 'user-agent': 'custom/1' } });
    expect(received[0]?.headers['user-agent']).toBe('custom/1');
  });
});

describe('http probe: redirects', () => {
  it('follows a chain under the limit and counts the hops', async () => {
    const { base, received } = await recordingServer((path) =>
      path === '/a'
        ? { status: 301, headers: { location: '/b' } }
        : path === '/b'
          ? { status: 302, headers: { location: '/c' } }
          : { status: 200 },
    );
    const outcome = await check({ url: `${base}/a`, maxRedirects: 2 });
    expect(outcome).toMatchObject({ status: 'up', message: 'HTTP 200 after 2 redirect(s)' });
    expect(received.map((request) => request.url)).toEqual(['/a', '/b', '/c']);
  });

  it('is down/redirects on a loop, after exactly maxRedirects hops', async () => {
    const { base, received } = await recordingServer(() => ({ status: 302, headers: { location: '/loop' } }));
    const outcome = await check({ url: `${base}/loop`, maxRedirects: 3 });
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'redirects',
      message: 'more than 3 redirects',
      facts: { statusCode: 302, maxRedirects: 3 },
    });
    expect(received).toHaveLength(4);
  });

  it('turns a POST into a GET without body after 303', async () => {
    const { base, received } = await recordingServer((path) =>
      path === '/form' ? { status: 303, headers: { location: '/result' } } : { status: 200 },
    );
    await check({ url: `${base}/form`, method: 'POST', body: 'a=1' });
    expect(received.map((request) => [request.method, request.body])).toEqual([
      ['POST', 'a=1'],
      ['GET', ''],
    ]);
  });

  it('drops credentials when a redirect leaves the origin', async () => {
    const other = await recordingServer(() => ({ status: 200 }));
    const first = await recordingServer(() => ({
      status: 302,
      headers: { location: `${other.base}/landing` },
    }));
    await check({ url: first.base, headers: { authorization: 'Bearer secret', 'x-keep': '1' } });
    expect(first.received[0]?.headers.authorization).toBe('Bearer secret');
    expect(other.received[0]?.headers.authorization).toBeUndefined();
    expect(other.received[0]?.headers['x-keep']).toBe('1');
  });

  it('is down/redirects on a redirect to another scheme', async () => {
    const { base } = await recordingServer(() => ({
      status: 302,
      headers: { location: 'ftp://example.test/' },
    }));
    const outcome = await check({ url: base });
    expect(outcome).toMatchObject({ status: 'down', reason: 'redirects' });
  });
});

describe('http probe: body cap', () => {
  const CHUNK = Buffer.alloc(64 * 1024, 'a');
  // Loose bound on what the kernel buffers before backpressure stops the server; the point is
  // "bounded", against a body that would otherwise never end.
  const MAX_SENT_BYTES = 64 * 1024 * 1024;

  /** Streams `prefix` and then `a` bytes forever, honouring backpressure. */
  async function endlessServer(prefix: string) {
    const state = { sent: 0, socket: undefined as Socket | undefined };
    const base = await serve((request, response) => {
      state.socket = request.socket;
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write(prefix);
      const pump = (): void => {
        while (!response.destroyed && response.write(CHUNK)) state.sent += CHUNK.length;
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    return { base, state };
  }

  it('finds a keyword in the first bytes of an endless body, then hangs up', async () => {
    const { base, state } = await endlessServer('status: all good ');
    // The capped body is checked on the parse worker within the check's time: 10 s leaves room for
    // a loaded machine (at 2 s the check ended 'unknown, body not checked' beside a busy suite).
    const outcome = await check({ url: base, expect: { keyword: 'all good' } }, 10_000);
    expect(outcome).toMatchObject({ status: 'up', reason: 'ok' });
    await socketClosed(state.socket!);
    expect(state.sent).toBeLessThan(MAX_SENT_BYTES);
  });

  it('does not look past maxBodyBytes', async () => {
    const { base, state } = await endlessServer('a'.repeat(2048) + 'late-keyword');
    const outcome = await check({ url: base, maxBodyBytes: 1024, expect: { keyword: 'late-keyword' } });
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'assertion',
      message: 'keyword "late-keyword" not found in the first 1024 bytes',
      facts: { statusCode: 200, expected: { kind: 'keyword', value: 'late-keyword' } },
    });
    await socketClosed(state.socket!);
  });

  it('reports too-large when a JSON assertion meets a capped body', async () => {
    const { base } = await endlessServer('{"a":"');
    const outcome = await check({
      url: base,
      maxBodyBytes: 1024,
      expect: { json: { path: 'a', contains: 'x' } },
    });
    expect(outcome).toMatchObject({ status: 'down', reason: 'too-large' });
  });
});

describe('http probe: HTTPS', () => {
  let pki: TestPki;

  beforeAll(() => {
    pki = makeTestPki();
  });

  afterAll(() => {
    pki.cleanup();
  });

  async function serveTls(cert: string): Promise<string> {
    const server = createHttpsServer({ key: pki.key, cert }, (_request, response) => response.end('secure'));
    return `https://127.0.0.1:${await listen(server)}/`;
  }

  it('is down/tls for a self-signed certificate, saying so', async () => {
    const outcome = await check({ url: await serveTls(pki.selfSigned.cert) });
    expect(outcome).toMatchObject({ status: 'down', reason: 'tls', message: 'TLS: self-signed certificate' });
  });

  it('is up when the self-signed certificate is given as ca', async () => {
    const outcome = await check({ url: await serveTls(pki.selfSigned.cert), ca: pki.selfSigned.certPath });
    expect(outcome).toMatchObject({ status: 'up', reason: 'ok' });
  });

  it('is up with insecure: true', async () => {
    const outcome = await check({ url: await serveTls(pki.selfSigned.cert), insecure: true });
    expect(outcome).toMatchObject({ status: 'up', reason: 'ok' });
  });

  it('is down/tls for an expired certificate from a trusted CA', async () => {
    const outcome = await check({ url: await serveTls(pki.expired.cert), ca: pki.caPath });
    expect(outcome).toMatchObject({ status: 'down', reason: 'tls', message: 'TLS: certificate expired' });
  });

  it('is up for a valid certificate from the configured CA', async () => {
    const outcome = await check({
      url: await serveTls(pki.valid.cert),
      ca: pki.caPath,
      expect: { keyword: 'secure' },
    });
    expect(outcome).toMatchObject({ status: 'up', reason: 'ok' });
  });
});
