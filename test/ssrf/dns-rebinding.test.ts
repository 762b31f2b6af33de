import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpProbe } from '../../src/monitors/probes/http-probe.js';
import { httpOptionsSchema } from '../../src/monitors/probes/http-options.js';
import { STRICT_ADDRESS_POLICY } from '../../src/monitors/ssrf/address-policy.js';
import type { SsrfGuardDeps } from '../../src/monitors/ssrf/ssrf-guard.js';
import {
  createConnectionGuard,
  createSystemResolver,
  vetTarget,
} from '../../src/monitors/ssrf/ssrf-guard.js';
import type { FakeDnsServer } from '../fakes/dns-server.js';
import { startDnsServer } from '../fakes/dns-server.js';

const ctx = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });

describe('DNS rebinding through a local DNS server', () => {
  let dns: FakeDnsServer;
  let site: Server;
  let port: number;

  beforeAll(async () => {
    site = createServer((_req, res) => res.writeHead(200).end('hello'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    port = (site.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => site.close(() => resolve())));
  afterEach(async () => dns.close());

  it('accepts a public first answer, then refuses the private second one before connecting', async () => {
    dns = await startDnsServer({ 'rebind.test': { AAAA: [] } });
    dns.setAnswer('rebind.test', 'A', ['93.184.216.34'], ['10.0.0.7']);
    const deps: SsrfGuardDeps = {
      resolve: createSystemResolver([dns.address]),
      policy: STRICT_ADDRESS_POLICY,
    };
    const added = await vetTarget('http://rebind.test/', deps, AbortSignal.timeout(5_000));
    expect(added).toMatchObject({ ok: true, address: '93.184.216.34' });
    const probe = createHttpProbe({ createGuard: () => createConnectionGuard(deps) });
    const outcome = await probe.run(httpOptionsSchema.parse({ url: 'http://rebind.test/' }), ctx());
    expect(outcome).toMatchObject({ status: 'down', reason: 'blocked', message: 'target refused: private' });
  });

  it('connects to the vetted address with one lookup per check, whatever DNS says afterwards', async () => {
    dns = await startDnsServer({ 'site.test': { AAAA: [] } });
    dns.setAnswer('site.test', 'A', ['127.0.0.1'], ['10.0.0.7']);
    const deps: SsrfGuardDeps = {
      resolve: createSystemResolver([dns.address]),
      policy: { allowedRanges: ['127.0.0.1/32'] },
    };
    const guard = createConnectionGuard(deps);
    const probe = createHttpProbe({ createGuard: () => guard });
    const outcome = await probe.run(httpOptionsSchema.parse({ url: `http://site.test:${port}/` }), ctx());
    expect(outcome).toMatchObject({ status: 'up' });
    expect(dns.queries.filter((q) => q.type === 'A')).toHaveLength(1);
    // The pinned lookup answers from the vet, never from DNS (which now says 10.0.0.7).
    const pinned = await new Promise<string>((resolve, reject) =>
      guard.lookup('site.test', {}, (err, address) => (err ? reject(err) : resolve(address as string))),
    );
    expect(pinned).toBe('127.0.0.1');
    expect(dns.queries.filter((q) => q.type === 'A')).toHaveLength(1);
  });

  it('never answers a name that was not vetted', async () => {
    dns = await startDnsServer({});
    const guard = createConnectionGuard({
      resolve: createSystemResolver([dns.address]),
      policy: STRICT_ADDRESS_POLICY,
    });
    const error = await new Promise<unknown>((resolve) =>
      guard.lookup('other.test', {}, (err) => resolve(err)),
    );
    expect(error).toMatchObject({ code: 'ESSRFUNVETTED' });
    expect(dns.queries).toHaveLength(0);
  });
});

describe('the system resolver against a local DNS server', () => {
  it('tells a name without addresses (NODATA) from one that does not exist (NXDOMAIN)', async () => {
    const dns = await startDnsServer({ 'empty.test': { A: [], AAAA: [] }, 'v6.test': { AAAA: ['fd00::1'] } });
    try {
      const deps: SsrfGuardDeps = {
        resolve: createSystemResolver([dns.address]),
        policy: STRICT_ADDRESS_POLICY,
      };
      const vet = (target: string) => vetTarget(target, deps, AbortSignal.timeout(5_000));
      expect(await vet('https://empty.test/')).toEqual({ ok: false, reason: 'no-address' });
      expect(await vet('https://missing.test/')).toEqual({ ok: false, reason: 'dns-failed' });
      expect(await vet('https://v6.test/')).toEqual({ ok: false, reason: 'unique-local' });
    } finally {
      await dns.close();
    }
  });
});
