import { describe, expect, it } from 'vitest';
import { classifyError, hasMeaningfulLatency } from '../../../src/monitors/probes/error-reason.js';
import { toPlainLine } from '../../../src/monitors/probes/probe-outcome.js';

const coded = (code: string, message = `failed ${code}`) => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['UND_ERR_SOCKET', 'reset'],
    ['ETIMEDOUT', 'timeout'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['ENOTFOUND', 'dns-nxdomain'],
    ['EAI_AGAIN', 'dns-servfail'],
    ['ESERVFAIL', 'dns-servfail'],
    ['ETIMEOUT', 'dns-timeout'],
    ['ENODATA', 'dns-no-records'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['HPE_INVALID_CONSTANT', 'protocol'],
    ['UND_ERR_ABORTED', 'aborted'],
    ['EWHATEVER', 'error'],
  ])('maps %s to %s', (code, reason) => {
    expect(classifyError(coded(code)).reason).toBe(reason);
  });

  it('finds the code in the cause chain and in AggregateError members', () => {
    expect(classifyError(new Error('fetch failed', { cause: coded('ECONNREFUSED') })).reason).toBe('refused');
    expect(classifyError(new AggregateError([coded('EHOSTUNREACH')], 'all failed')).reason).toBe(
      'unreachable',
    );
  });

  it('says what is wrong with a certificate in words', () => {
    expect(classifyError(coded('DEPTH_ZERO_SELF_SIGNED_CERT')).message).toBe('TLS: self-signed certificate');
    expect(classifyError(coded('ERR_TLS_CERT_ALTNAME_INVALID')).message).toBe('TLS: hostname mismatch');
  });

  it('recognises undici parser errors by name', () => {
    const parserError = Object.assign(new Error('Expected HTTP/'), { name: 'HTTPParserError' });
    expect(classifyError(parserError)).toEqual({
      reason: 'protocol',
      message: 'not an HTTP response: Expected HTTP/',
    });
  });

  it('keeps latency only where there was an answer', () => {
    expect(hasMeaningfulLatency('refused')).toBe(false);
    expect(hasMeaningfulLatency('timeout')).toBe(false);
    expect(hasMeaningfulLatency('tls')).toBe(true);
    expect(hasMeaningfulLatency('reset')).toBe(true);
  });
});

describe('toPlainLine', () => {
  it('flattens control characters and cuts long text', () => {
    expect(toPlainLine('a\r\nb\u0007c')).toBe('a b c');
    expect(toPlainLine('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
