import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dnsProbe } from '../../../src/monitors/probes/dns-probe.js';
import type { FakeDnsServer } from '../../fakes/dns-server.js';
import { startDnsServer } from '../../fakes/dns-server.js';
import { freePort, parseOptions, probeContext } from './probe-test-kit.js';

let dns: FakeDnsServer;

beforeEach(async () => {
  dns = await startDnsServer({
    'example.test': {
      A: ['192.0.2.10', '192.0.2.11'],
      AAAA: ['2001:db8::1'],
      TXT: [['v=spf1 ', '-all'], 'hello'],
      MX: [{ priority: 10, exchange: 'Mail.Example.Test' }],
      CNAME: ['target.example.test'],
      NS: ['ns1.example.test'],
    },
    'broken.test': { A: { kind: 'servfail' } },
    'silent.test': { A: { kind: 'silent' } },
  });
});

afterEach(async () => {
  await dns.close();
});

const run = (input: Record<string, unknown>, timeoutMs = 2000) =>
  dnsProbe.run(parseOptions(dnsProbe, { resolver: dns.address, ...input }), probeContext(timeoutMs));

describe('dns probe', () => {
  it.each([
    ['A', '192.0.2.10, 192.0.2.11'],
    ['AAAA', '2001:db8::1'],
    ['TXT', 'v=spf1 -all, hello'],
    ['MX', 'mail.example.test'],
    ['CNAME', 'target.example.test'],
    ['NS', 'ns1.example.test'],
  ])('is up with the %s answers in its message', async (record, answers) => {
    const outcome = await run({ host: 'example.test', record });
    expect(outcome).toMatchObject({
      status: 'up',
      reason: 'ok',
      message: `${record} example.test: ${answers}`,
    });
    expect(outcome.latencyMs).toBeTypeOf('number');
  });

  it('is up when every expected value is among the answers', async () => {
    const outcome = await run({ host: 'example.test', expect: ['192.0.2.11'] });
    expect(outcome).toMatchObject({ status: 'up', reason: 'ok' });
  });

  it('compares AAAA and names in canonical form', async () => {
    expect(await run({ host: 'example.test', record: 'AAAA', expect: ['2001:DB8:0::1'] })).toMatchObject({
      status: 'up',
    });
    expect(await run({ host: 'example.test', record: 'MX', expect: ['MAIL.example.test.'] })).toMatchObject({
      status: 'up',
    });
  });

  it('is down/dns-mismatch when an expected value is missing', async () => {
    const outcome = await run({ host: 'example.test', expect: ['192.0.2.10', '198.51.100.7'] });
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'dns-mismatch',
      message: 'A example.test: missing 198.51.100.7 (got 192.0.2.10, 192.0.2.11)',
      facts: { expected: { kind: 'dns-records', value: '198.51.100.7' } },
    });
  });

  it('is down/dns-mismatch for a TXT record that changed', async () => {
    const outcome = await run({ host: 'example.test', record: 'TXT', expect: ['v=spf1 ~all'] });
    expect(outcome).toMatchObject({ status: 'down', reason: 'dns-mismatch' });
  });

  it('is down/dns-nxdomain for an unknown name', async () => {
    const outcome = await run({ host: 'nowhere.test' });
    expect(outcome).toMatchObject({
      status: 'down',
      reason: 'dns-nxdomain',
      message: 'A nowhere.test: no such domain (NXDOMAIN)',
      latencyMs: null,
      facts: { errorCode: 'ENOTFOUND' },
    });
  });

  it('is down/dns-no-records when the name exists without that record type', async () => {
    const outcome = await run({ host: 'broken.test', record: 'TXT' });
    expect(outcome).toMatchObject({ status: 'down', reason: 'dns-no-records' });
  });

  it('is down/dns-servfail on SERVFAIL and REFUSED', async () => {
    expect(await run({ host: 'broken.test' })).toMatchObject({ status: 'down', reason: 'dns-servfail' });
    dns.setAnswer('broken.test', 'A', { kind: 'refused' });
    expect(await run({ host: 'broken.test' })).toMatchObject({ status: 'down', reason: 'dns-servfail' });
  });

  it('is down/dns-timeout when the server never answers', async () => {
    const outcome = await run({ host: 'silent.test' }, 300);
    expect(outcome).toMatchObject({ status: 'down', reason: 'dns-timeout', latencyMs: null });
    expect(dns.queries.some((query) => query.name === 'silent.test')).toBe(true);
  });

  it('is down/dns-servfail when no DNS server listens at the resolver address', async () => {
    const port = await freePort();
    const outcome = await dnsProbe.run(
      parseOptions(dnsProbe, { host: 'example.test', resolver: `127.0.0.1:${port}` }),
      probeContext(1000),
    );
    expect(outcome).toMatchObject({ status: 'down', reason: 'dns-servfail' });
    expect(outcome.message).toContain('DNS server unreachable');
  });

  it('is down/aborted when the caller cancels', async () => {
    const caller = new AbortController();
    const running = dnsProbe.run(
      parseOptions(dnsProbe, { host: 'silent.test', resolver: dns.address }),
      probeContext(10_000, caller.signal),
    );
    caller.abort();
    expect(await running).toMatchObject({ status: 'down', reason: 'aborted' });
  });

  it('serves a sequence of answers in order, repeating the last (for rebinding tests)', async () => {
    dns.setAnswer('rebind.test', 'A', ['203.0.113.5'], ['127.0.0.1']);
    expect((await run({ host: 'rebind.test' })).message).toBe('A rebind.test: 203.0.113.5');
    expect((await run({ host: 'rebind.test' })).message).toBe('A rebind.test: 127.0.0.1');
    expect((await run({ host: 'rebind.test' })).message).toBe('A rebind.test: 127.0.0.1');
  });

  it('describes its target with record type and resolver', () => {
    expect(dnsProbe.describe(parseOptions(dnsProbe, { host: 'example.test' }))).toBe('A example.test');
    expect(
      dnsProbe.describe(parseOptions(dnsProbe, { host: 'example.test', record: 'MX', resolver: '[::1]:53' })),
    ).toBe('MX example.test @[::1]:53');
  });
});
