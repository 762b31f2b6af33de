/** Each probe's own options schema: defaults, and errors that name the offending key. */
import { describe, expect, it } from 'vitest';
import type { AnyProbe } from '../../../src/monitors/probe.js';
import { dnsProbe } from '../../../src/monitors/probes/dns-probe.js';
import { httpProbe } from '../../../src/monitors/probes/http-probe.js';
import { parseJsonPath, parseStatusRanges } from '../../../src/monitors/probes/http-options.js';
import { tcpProbe } from '../../../src/monitors/probes/tcp-probe.js';
import { tlsProbe } from '../../../src/monitors/probes/tls-probe.js';

/** Config errors as the config layer will print them: `path: message`. */
function problems(probe: AnyProbe, input: unknown): string[] {
  const result = probe.optionsSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('http options', () => {
  it('fills defaults and precompiles matchers', () => {
    const options = httpProbe.optionsSchema.parse({
      url: 'https://example.com/',
      expect: { regex: 'ok|fine', json: { path: 'items[0].ok', equals: true } },
      degradedAfter: '3s',
    });
    expect(options).toMatchObject({
      method: 'GET',
      maxRedirects: 5,
      maxBodyBytes: 1024 * 1024,
      insecure: false,
      degradedAfter: 3000,
      expect: { status: [[200, 399]], json: { segments: ['items', 0, 'ok'], kind: 'equals', value: true } },
    });
    expect(options.expect.regex).toBeInstanceOf(RegExp);
  });

  it.each([
    [{ url: 'not a url' }, 'url: Invalid URL'],
    [{ url: 'ftp://example.com/' }, 'url: Invalid URL (only http:// and https:// are supported)'],
    [{ url: 'https://example.com/', verb: 'GET' }, ': Unrecognized key: "verb"'],
    [{ url: 'https://example.com/', expect: { keywords: 'x' } }, 'expect: Unrecognized key: "keywords"'],
    [{ url: 'https://example.com/', expect: { regex: '(' } }, 'expect.regex: Invalid regex'],
    [{ url: 'https://example.com/', expect: { status: '200-99' } }, 'expect.status: Invalid status'],
    [{ url: 'https://example.com/', expect: { status: 700 } }, 'expect.status: Invalid status'],
    [
      { url: 'https://example.com/', expect: { json: { path: 'a..b', equals: 1 } } },
      'expect.json.path: Invalid JSON path',
    ],
    [
      { url: 'https://example.com/', expect: { json: { path: 'a', equals: 1, contains: 'x' } } },
      'expect.json: Give exactly one',
    ],
    [{ url: 'https://example.com/', expect: { json: { path: 'a' } } }, 'expect.json: Give exactly one'],
    [{ url: 'https://example.com/', method: 'FETCH' }, 'method: Invalid option'],
    [{ url: 'https://example.com/', body: 'x' }, 'body: A body needs a method other than GET'],
    [
      { url: 'https://example.com/', method: 'HEAD', expect: { keyword: 'x' } },
      'expect: Body assertions need',
    ],
    [{ url: 'https://example.com/', headers: { 'x-a': 'b\r\nc: d' } }, 'headers.x-a: Invalid header value'],
    [{ url: 'https://example.com/', degradedAfter: 'soon' }, 'degradedAfter: Invalid duration'],
    [{ url: 'https://example.com/', maxRedirects: -1 }, 'maxRedirects: '],
    [{ url: 'https://example.com/', ca: '/nonexistent/ca.pem' }, 'ca: Cannot read CA file'],
  ])('rejects %j with "%s"', (input, expected) => {
    const found = problems(httpProbe, input);
    expect(
      found.some((problem) => problem.startsWith(expected)),
      found.join('\n'),
    ).toBe(true);
  });

  it('accepts equals: null as a JSON value', () => {
    const options = httpProbe.optionsSchema.parse({
      url: 'http://example.com/',
      expect: { json: { path: 'a', equals: null } },
    });
    expect(options.expect.json).toMatchObject({ kind: 'equals', value: null });
  });
});

describe('status ranges and JSON paths', () => {
  it.each([
    ['200', [[200, 200]]],
    ['200-399', [[200, 399]]],
    [
      '200, 204,300-399',
      [
        [200, 200],
        [204, 204],
        [300, 399],
      ],
    ],
    ['99', null],
    ['400-300', null],
    ['2xx', null],
    ['', null],
  ])('parses status %j', (text, ranges) => {
    expect(parseStatusRanges(text)).toEqual(ranges);
  });

  it.each([
    ['status.indicator', ['status', 'indicator']],
    ['items[0].ok', ['items', 0, 'ok']],
    ['[2][0]', [2, 0]],
    ['["a.b"].c', ['a.b', 'c']],
    ['.a', null],
    ['a.', null],
    ['a[x]', null],
    ['', null],
  ])('parses JSON path %j', (text, segments) => {
    expect(parseJsonPath(text)).toEqual(segments);
  });
});

describe('tcp options', () => {
  it('parses host and port', () => {
    expect(tcpProbe.optionsSchema.parse({ host: '[::1]', port: 22 })).toEqual({ host: '::1', port: 22 });
  });

  it.each([
    [{ host: 'example.com', port: 0 }, 'port: Invalid port'],
    [{ host: 'example.com', port: 70_000 }, 'port: Invalid port'],
    [{ host: 'example.com', port: '443' }, 'port: Invalid port'],
    [{ host: 'example.com' }, 'port: Invalid port'],
    [{ host: 'https://example.com', port: 443 }, 'host: Invalid host'],
    [{ host: 'example.com:443', port: 443 }, 'host: Invalid host'],
    [{ host: 'example.com', port: 443, every: '30s' }, ': Unrecognized key: "every"'],
  ])('rejects %j with "%s"', (input, expected) => {
    const found = problems(tcpProbe, input);
    expect(
      found.some((problem) => problem.startsWith(expected)),
      found.join('\n'),
    ).toBe(true);
  });
});

describe('dns options', () => {
  it('defaults to an A record on the system resolvers', () => {
    expect(dnsProbe.optionsSchema.parse({ host: '_dmarc.example.com' })).toEqual({
      host: '_dmarc.example.com',
      record: 'A',
    });
  });

  it.each(['1.1.1.1', '127.0.0.1:5353', '[::1]:53', '2606:4700::1111'])('accepts resolver %s', (resolver) => {
    expect(problems(dnsProbe, { host: 'example.com', resolver })).toEqual([]);
  });

  it.each([
    [{ host: 'example.com', record: 'SRV' }, 'record: Invalid option'],
    [{ host: 'example.com', resolver: 'dns.google' }, 'resolver: Invalid resolver'],
    [{ host: 'example.com', resolver: '127.0.0.1:99999' }, 'resolver: Invalid resolver'],
    [{ host: 'example.com', expect: ['example.org'] }, 'expect.0: Not an IPv4 address'],
    [{ host: 'example.com', record: 'AAAA', expect: ['192.0.2.1'] }, 'expect.0: Not an IPv6 address'],
    [{ host: 'example.com', expect: [] }, 'expect: '],
    [{ host: 'example.com', timeout: '5s' }, ': Unrecognized key: "timeout"'],
  ])('rejects %j with "%s"', (input, expected) => {
    const found = problems(dnsProbe, input);
    expect(
      found.some((problem) => problem.startsWith(expected)),
      found.join('\n'),
    ).toBe(true);
  });
});

describe('tls options', () => {
  it('defaults to port 443 and a 14-day warning', () => {
    expect(tlsProbe.optionsSchema.parse({ host: 'example.com' })).toEqual({
      host: 'example.com',
      port: 443,
      warnDays: 14,
    });
  });

  it.each([
    [{ host: 'example.com', port: 0 }, 'port: Invalid port'],
    [{ host: 'example.com', warnDays: -1 }, 'warnDays: '],
    [{ host: 'example.com', servername: 'a b' }, 'servername: Invalid host'],
    [{ host: 'example.com', ca: '/nonexistent/ca.pem' }, 'ca: Cannot read CA file'],
    [{ host: 'example.com', url: 'https://example.com' }, ': Unrecognized key: "url"'],
  ])('rejects %j with "%s"', (input, expected) => {
    const found = problems(tlsProbe, input);
    expect(
      found.some((problem) => problem.startsWith(expected)),
      found.join('\n'),
    ).toBe(true);
  });
});
