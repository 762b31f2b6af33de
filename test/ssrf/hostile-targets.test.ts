import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SsrfRefusalReason } from '../../src/core/i18n/ssrf-messages.js';
import { createHttpProbe } from '../../src/monitors/probes/http-probe.js';
import { httpOptionsSchema } from '../../src/monitors/probes/http-options.js';
import { createTcpProbe } from '../../src/monitors/probes/tcp-probe.js';
import type { AddressResolver, SsrfGuardDeps } from '../../src/monitors/ssrf/ssrf-guard.js';
import { createConnectionGuard, vetTarget } from '../../src/monitors/ssrf/ssrf-guard.js';
import { STRICT_ADDRESS_POLICY } from '../../src/monitors/ssrf/address-policy.js';

/** Names the fake resolver knows; anything else fails to resolve. */
const ZONE: Readonly<Record<string, readonly string[]>> = {
  'private.example': ['10.0.0.5'],
  'mixed.example': ['93.184.216.34', '127.0.0.1'],
  'ula.example': ['fd00::1'],
  'cgnat.example': ['100.64.3.3'],
  'metadata.example': ['169.254.169.254'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'nat64.example': ['64:ff9b::a00:1'],
  'empty.example': [],
};

const zoneResolver: AddressResolver = (hostname) => {
  const answers = ZONE[hostname];
  return answers === undefined ? Promise.reject(new Error('ENOTFOUND')) : Promise.resolve(answers);
};

const strict: SsrfGuardDeps = { resolve: zoneResolver, policy: STRICT_ADDRESS_POLICY };

/** Every hostile target of issue 7, with the reason it must be refused for. */
export const HOSTILE_TARGETS: ReadonlyArray<readonly [string, SsrfRefusalReason]> = [
  // loopback and its numeric disguises
  ['http://127.0.0.1/', 'loopback'],
  ['http://2130706433/', 'loopback'],
  ['http://0x7f.1/', 'loopback'],
  ['http://0177.0.0.1/', 'loopback'],
  ['http://127.1/', 'loopback'],
  ['http://0x7f000001/', 'loopback'],
  ['http://017700000001/', 'loopback'],
  ['http://127.0.0.1./', 'loopback'],
  ['http://①②⑦.0.0.1/', 'loopback'],
  ['http://[::1]/', 'loopback'],
  ['http://[::ffff:127.0.0.1]/', 'loopback'],
  ['http://[0:0:0:0:0:ffff:7f00:1]/', 'loopback'],
  ['http://[::127.0.0.1]/', 'loopback'],
  ['http://[::ffff:0:127.0.0.1]/', 'loopback'],
  ['http://[64:ff9b::127.0.0.1]/', 'loopback'],
  ['http://[2002:7f00:1::]/', 'loopback'],
  ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'loopback'],
  ['https://mixed.example/', 'loopback'],
  ['https://mapped.example/', 'loopback'],
  // internal names
  ['http://localhost/', 'internal-name'],
  ['http://LOCALHOST./', 'internal-name'],
  ['http://app.localhost:3000/', 'internal-name'],
  ['http://metadata.google.internal/computeMetadata/v1/', 'internal-name'],
  ['http://metadata/', 'internal-name'],
  ['http://intranet/', 'internal-name'],
  ['http://printer.local/', 'internal-name'],
  ['http://router.home.arpa/', 'internal-name'],
  // cloud metadata
  ['http://169.254.169.254/', 'cloud-metadata'],
  ['http://169.254.169.254/latest/meta-data/iam/', 'cloud-metadata'],
  ['http://0xa9fea9fe/', 'cloud-metadata'],
  ['http://2852039166/', 'cloud-metadata'],
  ['http://[fd00:ec2::254]/', 'cloud-metadata'],
  ['http://100.100.100.200/', 'cloud-metadata'],
  ['http://169.254.170.2/v2/credentials', 'cloud-metadata'],
  ['http://[::ffff:169.254.169.254]/', 'cloud-metadata'],
  ['http://[64:ff9b::a9fe:a9fe]/', 'cloud-metadata'],
  ['https://metadata.example/', 'cloud-metadata'],
  // private, CGNAT, link-local, multicast, broadcast, unspecified, reserved
  ['http://10.0.0.1/', 'private'],
  ['http://172.16.0.1/', 'private'],
  ['http://172.31.255.255/', 'private'],
  ['http://192.168.1.1/', 'private'],
  ['http://[::ffff:10.0.0.1]/', 'private'],
  ['http://[2002:c0a8:101::1]/', 'private'],
  ['https://private.example/', 'private'],
  ['https://nat64.example/', 'private'],
  ['http://100.64.0.1/', 'cgnat'],
  ['http://100.127.255.254/', 'cgnat'],
  ['https://cgnat.example/', 'cgnat'],
  ['http://169.254.1.1/', 'link-local'],
  ['http://[fe80::1]/', 'link-local'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://239.255.255.250:1900/', 'multicast'],
  ['http://[ff02::1]/', 'multicast'],
  ['http://255.255.255.255/', 'broadcast'],
  ['http://0.0.0.0/', 'unspecified'],
  ['http://0/', 'unspecified'],
  ['http://[::]/', 'unspecified'],
  ['http://240.0.0.1/', 'reserved'],
  ['http://192.0.2.1/', 'reserved'],
  ['http://198.18.0.1/', 'reserved'],
  ['http://[2001:db8::1]/', 'reserved'],
  ['http://[100::1]/', 'reserved'],
  ['http://[fc00::1]/', 'unique-local'],
  ['http://[fd12:3456::1]/', 'unique-local'],
  ['https://ula.example/', 'unique-local'],
  ['http://[fec0::1]/', 'site-local'],
  // schemes and credentials
  ['ftp://example.com/', 'unsupported-scheme'],
  ['file:///etc/passwd', 'unsupported-scheme'],
  ['gopher://example.com:70/_', 'unsupported-scheme'],
  ['dict://127.0.0.1:11211/stat', 'unsupported-scheme'],
  ['javascript:alert(1)', 'unsupported-scheme'],
  ['data:text/plain,hi', 'unsupported-scheme'],
  ['http://user:pass@example.com/', 'credentials-in-url'],
  ['https://admin@example.com/', 'credentials-in-url'],
  ['http://127.0.0.1:8080@example.com/', 'credentials-in-url'],
  ['user@example.com:22', 'credentials-in-url'],
  // TCP targets
  ['127.0.0.1:22', 'loopback'],
  ['2130706433:6379', 'loopback'],
  ['0x7f.1:22', 'loopback'],
  ['[::1]:22', 'loopback'],
  ['localhost:6379', 'internal-name'],
  ['10.1.2.3:5432', 'private'],
  ['[::ffff:192.168.0.1]:22', 'private'],
  ['169.254.169.254:80', 'cloud-metadata'],
  ['[fd00:ec2::254]:80', 'cloud-metadata'],
  // broken input and DNS
  ['example.com:0', 'malformed-target'],
  ['example.com:70000', 'malformed-target'],
  ['not a target', 'malformed-target'],
  ['', 'malformed-target'],
  ['https://nx.example/', 'dns-failed'],
  ['https://empty.example/', 'no-address'],
];

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
    expect(outcome).toMatchObject({ status: 'down', message: `target refused: ${reason} (redirect 1)` });
  });

  it('refuses a forbidden second hop after an allowed first one', async () => {
    const outcome = await run(`${origin}/hop?to=${encodeURIComponent('http://169.254.169.254/')}`);
    expect(outcome).toMatchObject({ status: 'down', message: 'target refused: cloud-metadata (redirect 2)' });
  });

  it('refuses credentials in a redirect', async () => {
    const outcome = await run(`${origin}/go?to=${encodeURIComponent(`http://u:p@127.0.0.1:1/`)}`);
    expect(outcome).toMatchObject({ status: 'down', message: 'target refused: credentials-in-url' });
  });

  it('refuses a TCP target before connecting', async () => {
    const tcp = createTcpProbe({ createGuard: () => createConnectionGuard(strict) });
    const outcome = await tcp.run(
      { host: '169.254.169.254', port: 80 },
      { signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 },
    );
    expect(outcome).toMatchObject({ status: 'down', message: 'target refused: cloud-metadata' });
  });
});
