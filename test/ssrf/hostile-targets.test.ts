import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SsrfRefusalReason } from '../../src/core/i18n/ssrf-messages.js';
import { HOSTILE_TARGETS, HOSTILE_ZONE } from './hostile-target-table.js';
import { createHttpProbe } from '../../src/monitors/probes/http-probe.js';
import { httpOptionsSchema } from '../../src/monitors/probes/http-options.js';
import { createTcpProbe } from '../../src/monitors/probes/tcp-probe.js';
import type { AddressResolver, SsrfGuardDeps } from '../../src/monitors/ssrf/ssrf-guard.js';
import { createConnectionGuard, vetTarget } from '../../src/monitors/ssrf/ssrf-guard.js';
import { STRICT_ADDRESS_POLICY } from '../../src/monitors/ssrf/address-policy.js';

const zoneResolver: AddressResolver = (hostname) => {
  const answers = HOSTILE_ZONE[hostname];
  return answers === undefined ? Promise.reject(new Error('ENOTFOUND')) : Promise.resolve(answers);
};

const strict: SsrfGuardDeps = { resolve: zoneResolver, policy: STRICT_ADDRESS_POLICY };

describe('hostile targets', () => {
  it('has at least 60 entries', () => {
    expect(HOSTILE_TARGETS.length).toBeGreaterThanOrEqual(60);
  });

  it.each(HOSTILE_TARGETS)('refuses %s (%s)', async (target, reason) => {
    const verdict = await vetTarget(target, strict, AbortSignal.timeout(5_000));
    expect(verdict).toEqual({ ok: false, reason });
  });

  it('accepts a public URL with a keyword and a public host:port, without connecting', async () => {
    const resolve: AddressResolver = () => Promise.resolve(['93.184.216.34', '2606:2800:220:1::1']);
    const deps = { resolve, policy: STRICT_ADDRESS_POLICY };
    const url = await vetTarget(
      'https://status.example.org/health all good',
      deps,
      AbortSignal.timeout(5_000),
    );
    expect(url).toMatchObject({
      ok: true,
      address: '93.184.216.34',
      target: { kind: 'http', keyword: 'all good' },
    });
    const tcp = await vetTarget('game.example.org:25565', deps, AbortSignal.timeout(5_000));
    expect(tcp).toMatchObject({ ok: true, target: { kind: 'tcp', host: 'game.example.org', port: 25565 } });
  });
});

describe('redirects from an allowed loopback site', () => {
  let server: Server;
  let origin: string;
  const FORBIDDEN_HOPS: ReadonlyArray<readonly [string, SsrfRefusalReason]> = [
    ['http://169.254.169.254/latest/meta-data/', 'cloud-metadata'],
    ['http://10.0.0.1/admin', 'private'],
    ['http://127.0.0.2/', 'loopback'],
    ['http://2130706434/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://localhost/', 'internal-name'],
    ['http://[::ffff:10.0.0.1]/', 'private'],
    ['http://private.example/', 'private'],
    ['http://100.64.0.1/', 'cgnat'],
  ];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const to = url.searchParams.get('to');
      if (url.pathname === '/hop' && to !== null) {
        res.writeHead(302, { location: `/go?to=${encodeURIComponent(to)}` }).end();
      } else if (to !== null) {
        res.writeHead(302, { location: to }).end();
      } else {
        res.writeHead(200).end('ok');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // The operator allows only 127.0.0.1 (the demo site), so the first hop passes.
  const demo: SsrfGuardDeps = { resolve: zoneResolver, policy: { allowedRanges: ['127.0.0.1/32'] } };
  const probe = createHttpProbe({ createGuard: () => createConnectionGuard(demo) });
  const run = (url: string) =>
    probe.run(httpOptionsSchema.parse({ url, maxRedirects: 5 }), {
      signal: AbortSignal.timeout(5_000),
      timeoutMs: 5_000,
    });

  it('reaches the allowed site itself', async () => {
    expect(await run(`${origin}/`)).toMatchObject({ status: 'up' });
  });

  it.each(FORBIDDEN_HOPS)('refuses a redirect to %s (%s)', async (hop, reason) => {
    const outcome = await run(`${origin}/go?to=${encodeURIComponent(hop)}`);
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'blocked',
      message: `target refused: ${reason} (redirect 1)`,
    });
  });

  it('refuses a forbidden second hop after an allowed first one', async () => {
    const outcome = await run(`${origin}/hop?to=${encodeURIComponent('http://169.254.169.254/')}`);
    expect(outcome).toMatchObject({ status: 'down', message: 'target refused: cloud-metadata (redirect 2)' });
  });

  it('refuses credentials in a redirect', async () => {
    const outcome = await run(`${origin}/go?to=${encodeURIComponent(`http://u:p@127.0.0.1:1/`)}`);
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'blocked',
      message: 'target refused: credentials-in-url',
    });
  });

  it('refuses a TCP target before connecting', async () => {
    const tcp = createTcpProbe({ createGuard: () => createConnectionGuard(strict) });
    const outcome = await tcp.run(
      { host: '169.254.169.254', port: 80 },
      { signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 },
    );
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'blocked',
      message: 'target refused: cloud-metadata',
    });
  });
});
