import { createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/model.js';
import { createTlsProbe, tlsProbe } from '../../../src/monitors/probes/tls-probe.js';
import type { TestLeaf, TestPki } from '../../fixtures/tls/test-pki.js';
import { makeTestPki } from '../../fixtures/tls/test-pki.js';
import { freePort, listen, parseOptions, probeContext, startTcpServer } from './probe-test-kit.js';

const DAY_MS = 86_400_000;
let pki: TestPki;

beforeAll(() => {
  pki = makeTestPki();
});

afterAll(() => {
  pki.cleanup();
});

async function serve(leaf: TestLeaf): Promise<number> {
  return listen(createServer({ key: pki.key, cert: leaf.cert }, (socket) => socket.end()));
}

/** Pinned at the moment the certificates were issued, so days left are exact. */
const issueTimeClock = (): Clock => ({ now: () => pki.issuedAtMs });

function check(port: number, extra: Record<string, unknown> = {}, clock: Clock = issueTimeClock()) {
  const options = parseOptions(tlsProbe, { host: '127.0.0.1', port, ca: pki.caPath, ...extra });
  return createTlsProbe({ clock }).run(options, probeContext());
}

describe('tls probe', () => {
  it('is up with the days left for a trusted certificate', async () => {
    const outcome = await check(await serve(pki.valid));
    expect(outcome).toMatchObject({ status: 'up', reason: 'ok', message: 'certificate valid for 400 days' });
    expect(outcome.latencyMs).toBeTypeOf('number');
  });

  it('counts days against the injected clock', async () => {
    const clock = { now: () => pki.valid.notAfterMs - 83.5 * DAY_MS };
    const outcome = await check(await serve(pki.valid), {}, clock);
    expect(outcome.message).toBe('certificate valid for 83 days');
  });

  it('works on the real clock too', async () => {
    const outcome = await tlsProbe.run(
      parseOptions(tlsProbe, { host: '127.0.0.1', port: await serve(pki.valid), ca: pki.caPath }),
      probeContext(),
    );
    expect(outcome).toMatchObject({ status: 'up', reason: 'ok' });
  });

  it('is degraded/tls-expiring inside the warning window', async () => {
    const outcome = await check(await serve(pki.expiring));
    expect(outcome).toMatchObject({ status: 'degraded', reason: 'tls-expiring', facts: { daysLeft: 5 } });
    expect(outcome.facts?.certExpiresAt).toBeGreaterThan(0);
    expect(outcome.message).toMatch(/^certificate expires in 5 days/);
  });

  it('is up for the same certificate when warnDays is smaller', async () => {
    const outcome = await check(await serve(pki.expiring), { warnDays: 3 });
    expect(outcome).toMatchObject({ status: 'up', message: 'certificate valid for 5 days' });
  });

  it('is down/tls-expired for an expired certificate', async () => {
    const outcome = await check(await serve(pki.expired));
    expect(outcome).toMatchObject({ status: 'down', reason: 'tls-expired' });
    expect(outcome.facts?.daysLeft).toBeLessThan(0);
    expect(outcome.message).toMatch(/^certificate expired on /);
  });

  it('is down/tls for a certificate from an untrusted CA', async () => {
    const port = await serve(pki.valid);
    const outcome = await tlsProbe.run(parseOptions(tlsProbe, { host: '127.0.0.1', port }), probeContext());
    expect(outcome).toMatchObject({ status: 'down', reason: 'tls' });
    expect(outcome.message).toContain('untrusted certificate');
  });

  it('is down/tls for a self-signed certificate', async () => {
    const port = await serve(pki.selfSigned);
    const outcome = await tlsProbe.run(parseOptions(tlsProbe, { host: '127.0.0.1', port }), probeContext());
    expect(outcome).toMatchObject({ status: 'down', reason: 'tls', message: 'TLS: self-signed certificate' });
  });

  it('is down/tls when the certificate does not match the server name', async () => {
    const outcome = await check(await serve(pki.valid), { servername: 'other.test' });
    expect(outcome).toMatchObject({ status: 'down', reason: 'tls', message: 'TLS: hostname mismatch' });
  });

  it('accepts a matching server name', async () => {
    const outcome = await check(await serve(pki.valid), { servername: 'localhost' });
    expect(outcome).toMatchObject({ status: 'up' });
  });

  it('is down/refused when nothing listens', async () => {
    const outcome = await check(await freePort());
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'refused',
      latencyMs: null,
      facts: { errorCode: 'ECONNREFUSED' },
    });
  });

  it('is down/timeout when the server never completes the handshake', async () => {
    const server = await startTcpServer();
    const options = parseOptions(tlsProbe, { host: '127.0.0.1', port: server.port });
    const outcome = await tlsProbe.run(options, probeContext(300));
    expect(outcome).toMatchObject({ status: 'down', reason: 'timeout', latencyMs: null });
  });

  it('is down/tls when the server does not speak TLS', async () => {
    const server = await startTcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const outcome = await tlsProbe.run(
      parseOptions(tlsProbe, { host: '127.0.0.1', port: server.port }),
      probeContext(),
    );
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'tls',
      message: 'TLS handshake failed: wrong version number',
    });
  });

  it('describes its target', () => {
    expect(tlsProbe.describe(parseOptions(tlsProbe, { host: 'example.com' }))).toBe('tls example.com:443');
  });
});
